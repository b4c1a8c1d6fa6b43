/**
 * The hot statements of a store with coalescing on: the same contract as the single-row ones (sql/hot.ts),
 * each call going alone or in a batch (sql/batch.ts) as the coalescer decides (store/coalescer.ts). Reads
 * and writes coalesce apart, so a read never waits behind a write; the writes keep each session's order.
 * NOTIFY is batched already (cache/announcer.ts) and goes straight through.
 */
import type { BatchQueries, BatchTouch, BatchWrite } from '../sql/batch'
import type { HotQueries } from '../sql/hot'
import { type BatchStats, Coalescer, type Lane } from './coalescer'

/**
 * Statements in flight per coalescer: the first goes with whatever waits, a second only with at least
 * COALESCE_EAGER calls, which pay for its round trip many times over. Measured (bench/README.md,
 * 2026-12-06): against 1 in flight, store-level get went from 1.62x to 3.38x connect-pg-simple and HTTP
 * reads at 16 connections from 4,214 to 4,816 req/s, while the six HTTP rows at 16 and 64 connections summed
 * the same (17,398 and 17,397 req/s); a plain 2 in flight (eager 1) sent twice the statements and lost on
 * every HTTP row. A quiet store still sends each call at once.
 */
export const COALESCE_LIMIT = 2
export const COALESCE_EAGER = 8
/** Most calls in one statement: caps its size (256 sessions of data); at 64 connections the largest was 55. */
export const COALESCE_BOUND = 256

/**
 * A statement error one row can cause (bad data, a constraint, a trigger's exception): the server rolled the
 * whole statement back, so each call can go again alone. Not the server going away (08, 57P0x), too many
 * connections (53), a cancel or statement timeout (57014) or a read-only server (25): those are every
 * call's, and a lost connection may hide a statement that committed.
 */
function rowError(err: unknown): boolean {
  // Drizzle wraps the driver's error (DrizzleQueryError) on every driver but the direct path's.
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null
  const code = typeof e?.code === 'string' ? e.code : e?.cause?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|25|53|57)/.test(code)
}

/** `stall`: the store's queryTimeout, the longest any call waits for its statement (0: no bound). */
export function coalesceHot(
  one: HotQueries,
  many: BatchQueries,
  stats: BatchStats,
  stall: number,
): HotQueries {
  const options = {
    limit: COALESCE_LIMIT,
    eager: COALESCE_EAGER,
    bound: COALESCE_BOUND,
    retryAlone: rowError,
    stall,
  }
  const reads = new Coalescer({ ...options, ordered: false }, stats)
  const writes = new Coalescer({ ...options, ordered: true }, stats)
  const get: Lane<string, Awaited<ReturnType<HotQueries['get']>>> = {
    one: (id) => one.get(id),
    many: (ids) => many.get(ids),
  }
  const writeLane = (
    single: (row: BatchWrite) => Promise<number | undefined>,
    batch: BatchQueries['upsert'],
  ): Lane<BatchWrite, number | undefined> => ({ one: single, many: batch })
  const upsert = writeLane((r) => one.upsert(r.id, r.data, r.userId, r.expiresAt, r.meta), many.upsert)
  const insert = writeLane((r) => one.insert(r.id, r.data, r.userId, r.expiresAt, r.meta), many.insert)
  const update = writeLane((r) => one.update(r.id, r.data, r.userId, r.expiresAt), many.update)
  const touch: Lane<BatchTouch, number | undefined> = {
    one: (r) => one.touch(r.id, r.expiresAt, r.userId),
    many: many.touch,
  }
  const destroy: Lane<string, undefined> = {
    one: async (id) => {
      await one.destroy(id)
    },
    many: many.destroy,
  }
  return {
    get: (id) => reads.run(get, id, id),
    upsert: (id, data, userId, expiresAt, meta) =>
      writes.run(upsert, id, { id, data, userId, expiresAt, meta }) as Promise<number>,
    insert: (id, data, userId, expiresAt, meta) =>
      writes.run(insert, id, { id, data, userId, expiresAt, meta }),
    update: (id, data, userId, expiresAt) =>
      writes.run(update, id, { id, data, userId, expiresAt, meta: null }),
    touch: (id, expiresAt, userId) => writes.run(touch, id, { id, expiresAt, userId }),
    destroy: (id) => writes.run(destroy, id, id),
    notify: one.notify,
    idle: async () => {
      await Promise.all([reads.idle(), writes.idle()])
    },
  }
}
