/**
 * The concurrency model is last write wins, per session, with no lost or torn writes: 50 parallel writes
 * leave exactly one of the written states; a touch racing a write never loses the write's data; ten
 * stores pruning at once delete each expired row exactly once, without error or deadlock.
 */
import { digestSessionId, newSessionId, PgStore, type PruneResult } from '@pgstore/core'
import { createTestDatabase, freshName, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { record } from '../src/figures'
import { tagged } from '../src/pg'

let db: TestDatabase
let store: PgStore
const stores: PgStore[] = []
const figures: Record<string, unknown> = {}

beforeAll(async () => {
  db = await createTestDatabase('pg')
  store = new PgStore({
    connectionString: tagged(freshName('res_conc')),
    table: db.table,
    createTable: true,
    poolSize: 10,
    touchAfter: 0,
    prune: false,
  })
  stores.push(store)
  await store.set(newSessionId(), { warm: true })
})

afterAll(async () => {
  record('concurrency', figures)
  for (const s of stores) await s.close()
  await db?.close()
})

const rawRow = async (sid: string) =>
  (
    await db.query<{ text: string; expires_at: Date }>(
      `select data::text as text, expires_at from ${db.sessions} where id = $1`,
      [digestSessionId(sid)],
    )
  )[0]

it('50 parallel writes to one session leave one of the written states, as valid JSON', async () => {
  const sid = newSessionId()
  const states = Array.from({ length: 50 }, (_, i) => ({
    writer: i,
    cart: Array.from({ length: i % 7 }, (_, j) => `item-${i}-${j}`),
    note: `writer ${i} ✓`,
  }))
  const results = await Promise.allSettled(states.map((s) => store.set(sid, s)))
  expect(results.filter((r) => r.status === 'rejected')).toEqual([])
  const row = await rawRow(sid)
  const parsed = JSON.parse(row!.text) as { writer: number }
  expect(states).toContainEqual(parsed)
  expect(await store.get(sid)).toEqual(states[parsed.writer])
  figures.parallelWrites = { writers: 50, winner: parsed.writer }
})

it('a touch racing a write never loses the write (200 races)', async () => {
  let lost = 0
  const races = Array.from({ length: 200 }, async (_, i) => {
    const sid = newSessionId()
    await store.set(sid, { v: 'before', i }, { ttl: 60_000 })
    // touchAfter is 0, so every touch sends its UPDATE and really races the upsert.
    await Promise.all([
      store.set(sid, { v: 'after', i }, { ttl: 60_000 }),
      store.touch(sid, { ttl: 120_000 }),
    ])
    const got = await store.get(sid)
    if (got?.v !== 'after' || got.i !== i) lost += 1
  })
  await Promise.all(races)
  figures.touchRaces = { races: 200, writesLost: lost }
  expect(lost).toBe(0)
})

it('ten stores pruning at once delete each expired row once, without error or deadlock', async () => {
  const EXPIRED = 5_000
  const LIVE = 100
  const before = await db.query<{ n: number }>(`select count(*)::int as n from ${db.sessions}`)
  await db.query(
    `insert into ${db.sessions} (id, data, expires_at)
     select 'expired-' || g, '{"x":1}'::jsonb, now() - interval '1 minute' from generate_series(1, $1) g`,
    [EXPIRED],
  )
  await db.query(
    `insert into ${db.sessions} (id, data, expires_at)
     select 'live-' || g, '{"x":1}'::jsonb, now() + interval '1 hour' from generate_series(1, $1) g`,
    [LIVE],
  )
  const pruners = Array.from({ length: 10 }, () => {
    const s = new PgStore({
      connectionString: tagged(freshName('res_prune')),
      table: db.table,
      poolSize: 2,
      prune: { batchSize: 250, batchPause: 0, interval: 0 },
    })
    stores.push(s)
    return s
  })
  // Each store prunes until the table is clean, as cron jobs on ten hosts would over time.
  const totals: PruneResult[] = []
  const errors: unknown[] = []
  for (const s of pruners) s.on('backgroundError', (e) => errors.push(e))
  const sweep = async (s: PgStore) => {
    for (let i = 0; i < 100; i++) {
      const result = await s.prune()
      totals.push(result)
      const left = await db.query<{ n: number }>(
        `select count(*)::int as n from ${db.sessions} where expires_at <= now()`,
      )
      if (left[0]!.n === 0) return
    }
  }
  const settled = await Promise.allSettled(pruners.map(sweep))
  expect(settled.filter((r) => r.status === 'rejected')).toEqual([])
  const deleted = totals.reduce((sum, r) => sum + r.deleted, 0)
  const remaining = await db.query<{ expired: number; live: number }>(
    `select count(*) filter (where expires_at <= now())::int as expired,
            count(*) filter (where expires_at > now())::int as live
     from ${db.sessions}`,
  )
  figures.concurrentPrune = {
    stores: 10,
    expiredRows: EXPIRED,
    deleted,
    calls: totals.length,
    skippedCalls: totals.filter((r) => r.skipped).length,
  }
  expect(deleted).toBe(EXPIRED)
  expect(remaining[0]).toEqual({ expired: 0, live: LIVE + before[0]!.n })
  expect(errors).toEqual([])
})
