/**
 * What a `TIMEOUT` means for a write: the call gave up waiting, not that nothing was written. queryTimeout
 * is a client-side timer (calls.ts `bounded`); it cancels nothing. Only the server's `statement_timeout`
 * does, and pgstore sets it (to queryTimeout unless `statementTimeout` says otherwise) only on the pool it
 * creates from `connectionString`. A second connection holds the session's row with `FOR UPDATE`, so the
 * store's upsert waits on the server for as long as the test likes; after the TIMEOUT the test releases the
 * lock and looks at the row. docs/deploying.md says what this shows: a TIMEOUT may have written.
 */
import { randomBytes } from 'node:crypto'
import { isPgStoreError, newSessionId, PgStore, type PgStoreOptions } from '@pgstore/core'
import { createTestDatabase, DATABASE_URL, probeTable, type TestDatabase } from '@pgstore/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

const QUERY_TIMEOUT = 200

/** A transaction on its own connection holding `FOR UPDATE` on one session's row until `release()`. */
async function lockRow(db: TestDatabase, sid: string) {
  const holder = new pg.Client({ connectionString: DATABASE_URL })
  await holder.connect()
  const [{ pid }] = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [
    { pid: number },
  ]
  await holder.query('begin')
  const digest = (await probeTable(db, db.table).row(sid))?.id
  const locked = await holder.query(`select 1 from ${db.sessions} where id = $1 for update`, [digest])
  expect(locked.rowCount, 'the row to lock exists').toBe(1)
  return {
    /** How many server statements are waiting on this lock right now. */
    async waiters(): Promise<number> {
      const [row] = await db.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
        [pid],
      )
      return row!.n
    },
    async release(): Promise<void> {
      await holder.query('commit')
      await holder.end()
    },
  }
}

async function expectTimeout(call: Promise<unknown>): Promise<void> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(isPgStoreError(err, 'TIMEOUT'), `expected TIMEOUT, got ${String(err)}`).toBe(true)
}

const until = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 25 })

describe('a set that gets TIMEOUT', () => {
  let db: TestDatabase
  const stores: PgStore[] = []
  const open = (options: Partial<PgStoreOptions>) => {
    const store = new PgStore({ table: db.table, prune: false, queryTimeout: QUERY_TIMEOUT, ...options })
    stores.push(store)
    return store
  }
  /** A URL for pgstore's own pool, whose application_name tells its backends from the test's. */
  const ownPool = () => {
    const app = `pgstore_tmw_${randomBytes(4).toString('hex')}`
    const url = new URL(DATABASE_URL)
    url.searchParams.set('application_name', app)
    return { app, connectionString: url.toString() }
  }
  /** How many server connections `app` has open. */
  const backends = async (app: string) =>
    (
      await db.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where application_name = $1',
        [app],
      )
    )[0]!.n

  beforeAll(async () => {
    db = await createTestDatabase('pg')
    await open({ db: db.db, createTable: true }).set(newSessionId(), { warm: true })
  })
  afterAll(async () => {
    for (const store of stores) await store.close()
    await db?.close()
  })

  it('with the defaults on pgstore’s own pool, is cancelled on the server and does not land', async () => {
    const { app, connectionString } = ownPool()
    const store = open({ connectionString }) // statementTimeout defaults to queryTimeout
    const sid = newSessionId()
    await store.set(sid, { v: 'before' })
    const lock = await lockRow(db, sid)
    try {
      expect(await backends(app)).toBe(1)
      await expectTimeout(store.set(sid, { v: 'after' }))
      // The server's statement_timeout ends the waiting upsert with 57014, and node-postgres's pool drops
      // a connection whose query failed: hold the lock until the store's one connection is gone.
      await until(async () => expect(await backends(app)).toBe(0))
      expect(await lock.waiters()).toBe(0)
    } finally {
      await lock.release()
    }
    expect((await probeTable(db, db.table).row(sid))?.data).toEqual({ v: 'before' })
  })

  it('with a db of your own (no server-side bound), keeps waiting on the server and lands later', async () => {
    const store = open({ db: db.db })
    const sid = newSessionId()
    await store.set(sid, { v: 'before' })
    const lock = await lockRow(db, sid)
    try {
      const call = expectTimeout(store.set(sid, { v: 'after' }))
      await until(async () => expect(await lock.waiters()).toBe(1))
      await call
      expect(await lock.waiters(), 'the upsert still waits on the server after the TIMEOUT').toBe(1)
    } finally {
      await lock.release()
    }
    await until(async () => expect((await probeTable(db, db.table).row(sid))?.data).toEqual({ v: 'after' }))
    expect(await store.get(sid)).toEqual({ v: 'after' })
  })

  it('with statementTimeout above queryTimeout, lands later, even one that timed out in the pool queue', async () => {
    const { connectionString } = ownPool()
    const store = open({ connectionString, poolSize: 1, statementTimeout: 30_000 })
    const blocked = newSessionId()
    const queued = newSessionId()
    await store.set(blocked, { v: 'before' })
    const lock = await lockRow(db, blocked)
    try {
      const first = expectTimeout(store.set(blocked, { v: 'after' }))
      await until(async () => expect(await lock.waiters()).toBe(1))
      // The only pool connection is taken by the blocked upsert: this one waits in node-postgres's queue.
      await expectTimeout(store.set(queued, { v: 'queued' }))
      await first
      expect(await probeTable(db, db.table).row(queued), 'not sent before the TIMEOUT').toBeUndefined()
      expect(await lock.waiters()).toBe(1)
    } finally {
      await lock.release()
    }
    const probe = probeTable(db, db.table)
    await until(async () => expect((await probe.row(blocked))?.data).toEqual({ v: 'after' }))
    await until(async () => expect((await probe.row(queued))?.data).toEqual({ v: 'queued' }))
  })
})
