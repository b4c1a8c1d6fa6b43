/**
 * Removing expired rows, off the request path.
 *
 * Each batch is one statement, so it needs no interactive transaction (drizzle's neon-http driver has
 * none) and holds a pooler connection for one round trip. The statement first takes a transaction-scoped
 * advisory lock keyed by the table, which its own implicit transaction holds until it commits: when another
 * process holds it, the batch deletes nothing and this call steps aside instead of sweeping the same rows.
 * The batch picks its rows with `FOR UPDATE SKIP LOCKED` by the `expires_at` index, so even callers that do
 * race (a cron `prune()` beside the timer) never wait on or delete the same row twice, and no lock is held
 * for longer than one bounded batch. Counts come from the DELETE's own RETURNING, so they are exact.
 *
 * @example
 * ```ts
 * const { deleted, batches, skipped } = await pruneExpired(db, table, 'pgstore:prune:t', settings, () => false)
 * ```
 */
import { sql } from 'drizzle-orm'
import type { SessionTable } from '../schema'
import type { AnyPgDatabase } from './database'
import { rowsOf } from './database'

/** Background pruning settings. */
export interface PruneOptions {
  /**
   * Mean time between background runs, in ms. The first run comes at a random point in the first
   * interval, so instances started together do not sweep together. 0 runs no timer: call `prune()` yourself
   * (from a cron job, say) with these batch settings.
   * @default 300_000 (5 minutes); 0 in a short-lived runtime (a serverless function, see the store's `prune`)
   */
  interval?: number
  /**
   * Spread of each interval, as a fraction of it (0.2 = ±20%).
   * @default 0.2
   */
  jitter?: number
  /**
   * Rows deleted per batch (per statement).
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

/**
 * One batch in one statement. The lock CTE is volatile and read twice, so PostgreSQL evaluates it once,
 * before the scan whose one-time filter reads it; the lock lasts until the statement's transaction ends.
 */
function batch(t: SessionTable, lockKey: string, size: number) {
  return sql`with lock as (select pg_try_advisory_xact_lock(hashtext(${lockKey})) as ok),
doomed as (select ${t.id} as id from ${t} where (select ok from lock) and ${t.expiresAt} <= now() order by ${t.expiresAt} limit ${size} for update skip locked),
gone as (delete from ${t} where ${t.id} in (select id from doomed) returning 1)
select (select ok from lock) as locked, (select count(*) from gone)::int as deleted`
}

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
    const [row] = rowsOf<{ locked: boolean; deleted: number | string }>(
      await db.execute(batch(t, lockKey, options.batchSize)),
    )
    if (row?.locked !== true) return { deleted, batches, skipped: batches === 0 }
    const count = Number(row.deleted)
    deleted += count
    batches += 1
    if (count < options.batchSize || isStopped()) return { deleted, batches, skipped: false }
    if (options.batchPause > 0) await sleep(options.batchPause)
  }
}
