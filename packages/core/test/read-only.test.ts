/**
 * A server that takes no writes (a standby a driver reconnected to, a database set
 * `default_transaction_read_only`) answers every write with SQLSTATE 25006. That is an outage of the
 * store's writes: DB_UNAVAILABLE (503), one `disconnect`, and no health back from a read's success, only
 * from a write's. Run on a fresh database made read-only with ALTER DATABASE (node-postgres, postgres.js)
 * and on PGlite with the session setting.
 */
import { createTableStatements, isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { createTestDatabase, DATABASE_URL, freshName } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/postgres-js'
import pg from 'pg'
import postgres from 'postgres'
import { describe, expect, it } from 'vitest'

interface ReadOnlyTarget {
  store: PgStore
  /** Lets writes through again; the store's next write must succeed. */
  makeWritable(): Promise<void>
  close(): Promise<void>
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** A fresh database holding the session table, then set read-only for every new connection. */
async function readOnlyDatabase(): Promise<{
  url: string
  writable(): Promise<void>
  drop(): Promise<void>
}> {
  const name = freshName('pgstore_ro')
  await admin(DATABASE_URL, (c) => c.query(`create database "${name}"`))
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  await admin(url.toString(), async (c) => {
    for (const statement of createTableStatements({ name: 'http_sessions' })) await c.query(statement)
  })
  await admin(DATABASE_URL, (c) => c.query(`alter database "${name}" set default_transaction_read_only = on`))
  return {
    url: url.toString(),
    // A database setting reaches new sessions only: the store's connections are ended so it reconnects.
    writable: () =>
      admin(DATABASE_URL, async (c) => {
        await c.query(`alter database "${name}" reset default_transaction_read_only`)
        await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name])
      }),
    drop: async () => {
      await admin(DATABASE_URL, (c) => c.query(`drop database if exists "${name}" with (force)`))
    },
  }
}

const options = { createTable: true, prune: false, touchAfter: 0 } as const

const targets: Record<string, () => Promise<ReadOnlyTarget>> = {
  'node-postgres': async () => {
    const database = await readOnlyDatabase()
    const store = new PgStore({ connectionString: database.url, poolSize: 2, ...options })
    return {
      store,
      makeWritable: database.writable,
      close: async () => {
        await store.close()
        await database.drop()
      },
    }
  },
  'postgres.js': async () => {
    const database = await readOnlyDatabase()
    const client = postgres(database.url, { max: 2, onnotice: () => undefined })
    const store = new PgStore({ db: drizzle({ client }), ...options })
    return {
      store,
      makeWritable: database.writable,
      close: async () => {
        await store.close()
        await client.end()
        await database.drop()
      },
    }
  },
  PGlite: async () => {
    const db = await createTestDatabase('pglite')
    const { schema, table } = db
    for (const statement of createTableStatements({ schema, name: 'http_sessions' }))
      await db.query(statement)
    // PGlite is one session, so the session setting is the whole server's.
    await db.query('set default_transaction_read_only = on')
    const store = new PgStore({ db: db.db, table, ...options })
    return {
      store,
      makeWritable: async () => {
        await db.query('set default_transaction_read_only = off')
      },
      close: async () => {
        await store.close()
        await db.close()
      },
    }
  },
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => new Error('the call succeeded on a read-only server'),
    (e: unknown) => e,
  )
}

describe.each(Object.keys(targets))('a read-only server on %s', (driver) => {
  it('fails every write with DB_UNAVAILABLE 503 and stays unhealthy until a write succeeds', async () => {
    const target = await targets[driver]!()
    const { store } = target
    const events: string[] = []
    store.on('disconnect', (e) => events.push(`disconnect ${e.code}`))
    store.on('connect', () => events.push('connect'))
    // makeWritable ends the store's idle connections, which their pool reports here.
    store.on('backgroundError', () => undefined)
    try {
      const sid = newSessionId()
      expect(await store.get(sid)).toBeNull()
      expect(store.healthy).toBe(true)

      const error = await failure(store.set(sid, { v: 1 }))
      expect(isPgStoreError(error, 'DB_UNAVAILABLE'), String(error)).toBe(true)
      const e = error as import('@pgstore/core').PgStoreError
      expect(e.status).toBe(503)
      expect(e.cause?.sqlstate).toBe('25006')
      expect(e.message).toMatch(/read-only.*target_session_attrs/)
      expect(store.healthy).toBe(false)
      expect(events).toEqual(['disconnect DB_UNAVAILABLE'])

      const writes = [
        () => store.create(sid, { v: 1 }),
        () => store.update(sid, { v: 2 }),
        () => store.touch(sid),
        () => store.destroy(sid),
        () => store.destroyByDigest('0'.repeat(43)),
      ]
      for (const write of writes) expect(isPgStoreError(await failure(write()), 'DB_UNAVAILABLE')).toBe(true)
      // Reads still work on a read-only server; they do not make the store healthy again.
      expect(await store.get(sid)).toBeNull()
      expect(await store.all()).toEqual([])
      expect(store.healthy).toBe(false)
      expect(events).toEqual(['disconnect DB_UNAVAILABLE'])

      await target.makeWritable()
      // The connections ended by makeWritable may fail a call or two while the pool replaces them.
      let written = false
      for (let i = 0; i < 100 && !written; i++) {
        written = await store.set(sid, { v: 3 }).then(
          () => true,
          () => false,
        )
        if (!written) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(written).toBe(true)
      expect(store.healthy).toBe(true)
      expect(events.at(-1)).toBe('connect')
      expect(await store.get(sid)).toEqual({ v: 3 })
    } finally {
      await target.close()
    }
  })
})
