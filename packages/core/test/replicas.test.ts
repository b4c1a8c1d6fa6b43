/**
 * A drizzle `withReplicas(primary, [replica])` database: every hot statement goes to the primary (listings
 * may go to a replica and lag; not asserted here). The "replica" here is a second database with its own table and no replication, so
 * where a row lands (and where a read looks) proves the routing.
 */
import { createTableStatements, newSessionId, PgStore } from '@pgstore/core'
import { DATABASE_URL, digest, freshName } from '@pgstore/testing'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { withReplicas } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const names = { primary: freshName('pgstore_pri'), replica: freshName('pgstore_rep') }
const urlOf = (name: string) => {
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  return url.toString()
}
const pools: pg.Pool[] = []
const pool = (name: string) => {
  const p = new pg.Pool({ connectionString: urlOf(name), max: 2 })
  p.on('error', () => undefined)
  pools.push(p)
  return p
}
const rows = async (name: string, sid: string) =>
  (await pool(name).query('select data from http_sessions where id = $1', [digest(sid)])).rows

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    for (const name of Object.values(names)) {
      await admin.query(`create database "${name}"`)
      const c = new pg.Client({ connectionString: urlOf(name) })
      await c.connect()
      for (const statement of createTableStatements({ name: 'http_sessions' })) await c.query(statement)
      await c.end()
    }
  } finally {
    await admin.end()
  }
})

afterAll(async () => {
  for (const p of pools) await p.end()
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  for (const name of Object.values(names)) await admin.query(`drop database if exists "${name}" with (force)`)
  await admin.end()
})

const drivers = {
  'node-postgres': () => {
    const [p, r] = [pool(names.primary), pool(names.replica)]
    return { db: withReplicas(drizzlePg({ client: p }), [drizzlePg({ client: r })]), end: async () => {} }
  },
  'postgres.js': () => {
    const [p, r] = [names.primary, names.replica].map((n) =>
      postgres(urlOf(n), { max: 2, onnotice: () => {} }),
    )
    return {
      db: withReplicas(drizzlePostgres({ client: p! }), [drizzlePostgres({ client: r! })]),
      end: async () => {
        await p!.end()
        await r!.end()
      },
    }
  },
}

describe.each(Object.keys(drivers) as Array<keyof typeof drivers>)('withReplicas on %s', (driver) => {
  it('sends get, set, create, update, touch and destroy to the primary', async () => {
    const { db, end } = drivers[driver]()
    const store = new PgStore({
      db,
      prune: false,
      touchAfter: 0,
      userId: (d: { user?: string; v?: number }) => d.user,
    })
    try {
      const sid = newSessionId()
      await store.set(sid, { user: 'u1', v: 1 })
      expect(await rows(names.primary, sid)).toEqual([{ data: { user: 'u1', v: 1 } }])
      expect(await rows(names.replica, sid)).toEqual([])
      // The replica has never seen the row: a get that went there would return null.
      expect(await store.get(sid)).toEqual({ user: 'u1', v: 1 })
      expect(await store.update(sid, { user: 'u1', v: 2 })).toBe(true)
      expect(await store.touch(sid)).toBe(true)
      expect(await store.get(sid)).toEqual({ user: 'u1', v: 2 })
      const created = newSessionId()
      expect(await store.create(created, { user: 'u1', v: 3 })).toBe(true)
      expect(await rows(names.primary, created)).toHaveLength(1)

      await store.destroy(sid)
      expect(await rows(names.primary, sid)).toEqual([])
      expect(await store.get(sid)).toBeNull()
      expect(await rows(names.replica, created)).toEqual([])
    } finally {
      await store.close()
      await end()
    }
  })
})
