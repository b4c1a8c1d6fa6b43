/**
 * A statement that stalls, two ways: a lock held on the session's row by another transaction, and a
 * pg_sleep in a trigger the test installs. statementTimeout / queryTimeout bound the wait, the error is a
 * PgStoreError TIMEOUT, and a server-side cancel keeps the driver's error as `cause`.
 */
import { digestSessionId, isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import {
  createTestDatabase,
  DATABASE_URL,
  freshName,
  installSlowTrigger,
  type TestDatabase,
} from '@pgstore/testing'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { record } from '../src/figures'
import { backends, pollUntil, tagged, terminateBackends } from '../src/pg'

let db: TestDatabase
const stores: PgStore[] = []
const figures: Record<string, number> = {}

function storeWith(app: string, options: { queryTimeout: number; statementTimeout?: number }): PgStore {
  const store = new PgStore({
    connectionString: tagged(app),
    table: db.table,
    createTable: true,
    prune: false,
    ...options,
  })
  stores.push(store)
  return store
}

async function failure(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = Date.now()
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  return { error, ms: Date.now() - start }
}

beforeAll(async () => {
  db = await createTestDatabase('pg')
  // The slow trigger sleeps only for rows that ask for it, so the rest of the file is unaffected.
  const warm = storeWith(freshName('res_warm'), { queryTimeout: 5_000 })
  await warm.set(newSessionId(), { warm: true })
  await installSlowTrigger(db, db.table, {
    name: 'slow_write',
    when: "new.data ->> 'slow' = 'yes'",
    seconds: '30',
  })
})

afterAll(async () => {
  record('statement-stall', figures)
  for (const s of stores) await s.close()
  await db?.close()
})

it('a row lock held elsewhere: statementTimeout cancels on the server, TIMEOUT keeps the cause', async () => {
  const app = freshName('res_lock')
  const store = storeWith(app, { queryTimeout: 5_000, statementTimeout: 300 })
  const sid = newSessionId()
  await store.set(sid, { v: 1 })
  const holder = new pg.Client({ connectionString: DATABASE_URL })
  await holder.connect()
  try {
    await holder.query('begin')
    await holder.query(`select 1 from ${db.sessions} where id = $1 for update`, [digestSessionId(sid)])
    const { error, ms } = await failure(store.set(sid, { v: 2 }))
    figures.rowLockWaitMs = ms
    expect(isPgStoreError(error, 'TIMEOUT')).toBe(true)
    const cause = (error as Error).cause as { code?: string } | undefined
    expect(cause?.code).toBe('57014')
    expect(ms).toBeLessThan(5_000)
  } finally {
    await holder.query('rollback')
    await holder.end()
  }
  // The lock is gone: the same store writes again, and the first value was never overwritten.
  expect(await store.get(sid)).toEqual({ v: 1 })
  await store.set(sid, { v: 3 })
  expect(await store.get(sid)).toEqual({ v: 3 })
})

it('a pg_sleep trigger: queryTimeout bounds the call and the server statement is cancelled too', async () => {
  const app = freshName('res_sleep')
  const store = storeWith(app, { queryTimeout: 400 })
  const sid = newSessionId()
  const { error, ms } = await failure(store.set(sid, { slow: 'yes' }))
  figures.sleepTriggerWaitMs = ms
  expect(isPgStoreError(error, 'TIMEOUT')).toBe(true)
  expect(ms).toBeLessThan(2_000)
  // statementTimeout defaults to queryTimeout, so the server gives the statement up as well instead of
  // holding a pool connection for the trigger's 30 s.
  const cleared = await pollUntil(async () => (await backends(app)).every((b) => b.state !== 'active'), 100)
  expect(cleared).toBe(true)
  expect(await store.get(sid)).toBeNull()
  await store.set(sid, { slow: 'no' })
  expect(await store.get(sid)).toEqual({ slow: 'no' })
})

it('a pool the app owns: queryTimeout alone still bounds the wait with TIMEOUT', async () => {
  const app = freshName('res_own')
  const pool = new pg.Pool({ connectionString: tagged(app), max: 2 })
  pool.on('error', () => undefined)
  const store = new PgStore({ pool, table: db.table, prune: false, queryTimeout: 300 })
  stores.push(store)
  try {
    const { error, ms } = await failure(store.set(newSessionId(), { slow: 'yes' }))
    figures.ownPoolWaitMs = ms
    expect(isPgStoreError(error, 'TIMEOUT')).toBe(true)
    expect(ms).toBeLessThan(2_000)
  } finally {
    await store.close()
    // The app's pool has no statement_timeout, so the sleeping statement runs on: that is the app's to
    // bound (statement_timeout on its pool). The test ends it rather than wait for the trigger.
    await terminateBackends(app)
    await pool.end().catch(() => undefined)
  }
})
