/**
 * Removing expired rows, off the request path.
 *
 * Each batch is its own short transaction that first takes a transaction-scoped advisory lock keyed by the
 * table: when another process holds it, this one steps aside instead of sweeping the same rows. The batch
 * picks its rows with `FOR UPDATE SKIP LOCKED` by the `expires_at` index, so even callers that do race
 * (a cron `prune()` beside the timer) never wait on or delete the same row twice, and no lock is held for
 * longer than one bounded batch.
 */
import { inArray, lte, sql } from 'drizzle-orm'
import type { SessionTable } from '../schema'
import type { AnyPgDatabase } from './database'
import { rowsOf } from './database'

/** Background pruning settings. */
export interface PruneOptions {
  /**
   * Mean time between background runs, in ms. The first run comes at a random point in the first
   * interval, so instances started together do not sweep together. 0 runs no timer: call `prune()` yourself
   * (from a cron job, say) with these batch settings.
   * @default 300_000 (5 minutes)
   */
  interval?: number
  /**
   * Spread of each interval, as a fraction of it (0.2 = ±20%).
   * @default 0.2
   */
  jitter?: number
  /**
   * Rows deleted per batch (per transaction).
   * @default 1000
   */
  batchSize?: number
  /**
   * Pause between batches, in ms, so a large sweep leaves room for live traffic.
   * @default 5
   */
  batchPause?: number
}

export interface PruneResult {
  /** Rows this call deleted. */
  deleted: number
  /** Batches this call ran. */
  batches: number
  /** True when another process held the prune lock, so this call left the work to it. */
  skipped: boolean
}

export const PRUNE_DEFAULTS: Required<PruneOptions> = {
  interval: 300_000,
  jitter: 0.2,
  batchSize: 1000,
  batchPause: 5,
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export async function pruneExpired(
  db: AnyPgDatabase,
  t: SessionTable,
  lockKey: string,
  options: Required<PruneOptions>,
  isStopped: () => boolean,
): Promise<PruneResult> {
  let deleted = 0
  let batches = 0
  for (;;) {
    const count = await db.transaction(async (tx) => {
      const lock = rowsOf<{ ok: boolean }>(
        await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext(${lockKey})) as ok`),
      )
      if (lock[0]?.ok !== true) return -1
      const doomed = tx
        .select({ id: t.id })
        .from(t)
        .where(lte(t.expiresAt, sql`now()`))
        .orderBy(t.expiresAt)
        .limit(options.batchSize)
        .for('update', { skipLocked: true })
      const rows = await tx.delete(t).where(inArray(t.id, doomed)).returning({ id: t.id })
      return rows.length
    })
    if (count < 0) return { deleted, batches, skipped: batches === 0 }
    deleted += count
    batches += 1
    if (count < options.batchSize || isStopped()) return { deleted, batches, skipped: false }
    if (options.batchPause > 0) await sleep(options.batchPause)
  }
}
