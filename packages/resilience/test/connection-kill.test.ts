/**
 * pg_terminate_backend on every connection the store holds, three times, under a steady write/read load.
 * The store must stay up, fail the calls caught in flight with DB_UNAVAILABLE, serve again without a
 * restart, stay within queryTimeout, and lose no acknowledged write.
 */
import { isPgStoreError, PgStore } from '@pgstore/core'
import { createTestDatabase, freshName, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { record } from '../src/figures'
import { tagged, terminateBackends } from '../src/pg'
import { lostWrites, startWorkload } from '../src/workload'

const QUERY_TIMEOUT = 2_000
const app = freshName('res_kill')
let db: TestDatabase
let store: PgStore

beforeAll(async () => {
  db = await createTestDatabase('pg')
  store = new PgStore({
    connectionString: tagged(app),
    table: db.table,
    createTable: true,
    poolSize: 4,
    queryTimeout: QUERY_TIMEOUT,
    connectTimeout: 1_000,
    touchAfter: 0,
    prune: false,
  })
})

afterAll(async () => {
  await store?.close()
  await db?.close()
})

it('survives pg_terminate_backend mid-load: typed errors, quick recovery, no acknowledged write lost', async () => {
  const background: unknown[] = []
  const events: string[] = []
  store.on('backgroundError', (e) => background.push(e))
  store.on('disconnect', () => events.push('disconnect'))
  store.on('connect', () => events.push('connect'))

  const load = startWorkload({
    workers: 8,
    write: (sid, data) => store.set(sid, data),
    read: (sid) => store.get(sid),
  })
  const recoveries: number[] = []
  let killed = 0
  let failedDuringFaults = 0
  await load.waitForOps(200)
  for (let round = 0; round < 3; round++) {
    const before = load.outcomes.length
    const t0 = Date.now()
    killed += await terminateBackends(app)
    const back = await load.waitForSuccessAfter(t0)
    recoveries.push(back - t0)
    await load.waitForOps(200)
    failedDuringFaults += load.outcomes.slice(before).filter((o) => !o.ok).length
  }
  const { outcomes, ledger } = await load.stop()

  const failures = outcomes.filter((o) => !o.ok)
  const codes = new Set(failures.map((o) => (isPgStoreError(o.error) ? o.error.code : String(o.error))))
  const slowest = Math.max(...outcomes.map((o) => o.end - o.start))
  const lost = await lostWrites(ledger, (sid) => store.get(sid))
  record('connection-kill', {
    operations: outcomes.length,
    backendsKilled: killed,
    failedDuringFaults,
    errorCodes: [...codes],
    recoveryMs: recoveries,
    slowestCallMs: slowest,
    acknowledgedLost: lost,
    sessions: ledger.size,
  })

  expect(killed).toBeGreaterThan(0)
  // Every failure is the typed, retryable one; nothing else leaked out of the store.
  expect([...codes].filter((c) => c !== 'DB_UNAVAILABLE')).toEqual([])
  for (const e of background) expect(isPgStoreError(e, 'DB_UNAVAILABLE')).toBe(true)
  expect(slowest).toBeLessThan(QUERY_TIMEOUT + 1_000)
  expect(lost).toBe(0)
  expect(store.healthy).toBe(true)
  // The same store instance serves after the faults: no restart, no new store.
  const probe = `${'p'.repeat(43)}`
  await store.set(probe, { ok: true })
  expect(await store.get(probe)).toEqual({ ok: true })
  if (failures.length > 0) expect(events).toContain('connect')
})
