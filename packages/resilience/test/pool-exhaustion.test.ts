/**
 * A burst of ten times the pool size, each call holding its connection in a slow trigger. With room in
 * the timeouts every call queues and completes; with a short connectTimeout the calls that cannot get a
 * connection fail with a typed error (calls not coalesced, so that they do fill the pool). Either way every
 * call settles, within its bound.
 */
import { isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { createTestDatabase, freshName, installSlowTrigger, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { record } from '../src/figures'
import { tagged } from '../src/pg'

const POOL = 3
let db: TestDatabase
const stores: PgStore[] = []
const figures: Record<string, unknown> = {}

beforeAll(async () => {
  db = await createTestDatabase('pg')
  const setup = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
  await setup.set(newSessionId(), { warm: true })
  await setup.close()
  await installSlowTrigger(db, db.table)
})

afterAll(async () => {
  record('pool-exhaustion', figures)
  for (const s of stores) await s.close()
  await db?.close()
})

async function burst(store: PgStore, sleepSeconds: number) {
  const calls = Array.from({ length: POOL * 10 }, async (_, i) => {
    const start = Date.now()
    const sid = newSessionId()
    try {
      await store.set(sid, { i, sleep: sleepSeconds })
      return { ok: true, ms: Date.now() - start, sid, i, error: undefined as unknown }
    } catch (error) {
      return { ok: false, ms: Date.now() - start, sid, i, error }
    }
  })
  return Promise.all(calls)
}

it('queues a 10x burst and completes every call when the timeouts allow it', async () => {
  const store = new PgStore({
    connectionString: tagged(freshName('res_pool')),
    table: db.table,
    poolSize: POOL,
    prune: false,
    queryTimeout: 10_000,
    connectTimeout: 10_000,
  })
  stores.push(store)
  const results = await burst(store, 0.05)
  figures.queuedBurst = {
    calls: results.length,
    completed: results.filter((r) => r.ok).length,
    slowestMs: Math.max(...results.map((r) => r.ms)),
  }
  expect(results.filter((r) => !r.ok).map((r) => String(r.error))).toEqual([])
  for (const r of results) expect(await store.get(r.sid)).toEqual({ i: r.i, sleep: 0.05 })
})

it('fails the calls that cannot get a connection in time with a typed error, and none hangs', async () => {
  const QUERY_TIMEOUT = 1_500
  const store = new PgStore({
    connectionString: tagged(freshName('res_pool')),
    table: db.table,
    poolSize: POOL,
    prune: false,
    queryTimeout: QUERY_TIMEOUT,
    connectTimeout: 300,
    // Coalesced, the burst would be 2 statements at a time (a read and a write) and never wait for a connection; each call's
    // own statement is what fills this pool.
    coalesce: false,
  })
  stores.push(store)
  const results = await burst(store, 0.5)
  const failed = results.filter((r) => !r.ok)
  const codes = [...new Set(failed.map((r) => (isPgStoreError(r.error) ? r.error.code : String(r.error))))]
  figures.starvedBurst = {
    calls: results.length,
    completed: results.length - failed.length,
    failed: failed.length,
    codes,
    slowestMs: Math.max(...results.map((r) => r.ms)),
  }
  expect(failed.length).toBeGreaterThan(0)
  expect(results.length - failed.length).toBeGreaterThanOrEqual(POOL)
  // A full pool is not an outage: TIMEOUT, and the store stays healthy (no `disconnect` for adapters).
  expect(codes).toEqual(['TIMEOUT'])
  expect(store.healthy).toBe(true)
  for (const r of results) expect(r.ms).toBeLessThan(QUERY_TIMEOUT + 1_000)
  // The pool is whole again afterwards.
  const sid = newSessionId()
  await store.set(sid, { after: true })
  expect(await store.get(sid)).toEqual({ after: true })
})
