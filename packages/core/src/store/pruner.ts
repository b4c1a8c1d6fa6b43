/**
 * The background prune timer over sql/prune.ts: the first run at a random point in the first interval (so
 * instances started together do not sweep together), then every interval ± jitter. Unref'd: it never
 * keeps a process alive.
 */
import type { PgStoreError } from '../errors'
import type { AnyPgDatabase } from '../sql/database'
import { PRUNE_DEFAULTS, type PruneOptions, type PruneResult, pruneExpired } from '../sql/prune'
import type { StoreSettings } from './options'

/**
 * One sweep of the store's table, for the timer and for `store.prune()` alike. Prune runs under an advisory
 * lock named after the table, so instances sharing a table never sweep it together; `stopped` ends the
 * batch loop early once the store closes.
 */
export function sweep(
  db: AnyPgDatabase,
  settings: StoreSettings,
  stopped: () => boolean,
): Promise<PruneResult> {
  const { table, label, prune } = settings
  return pruneExpired(db, table, `pgstore:prune:${label}`, prune || PRUNE_DEFAULTS, stopped)
}

export class Pruner {
  readonly #settings: Required<PruneOptions>
  readonly #prune: () => Promise<PruneResult>
  readonly #done: (result: PruneResult) => void
  readonly #failed: (error: PgStoreError) => void
  #timer: NodeJS.Timeout | undefined
  #running: Promise<PruneResult> | undefined
  #stopped = false

  constructor(
    settings: Required<PruneOptions>,
    prune: () => Promise<PruneResult>,
    done: (result: PruneResult) => void,
    failed: (error: PgStoreError) => void,
  ) {
    this.#settings = settings
    this.#prune = prune
    this.#done = done
    this.#failed = failed
    this.#schedule(true)
  }

  /** Stops the timer and waits for a running sweep. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running?.catch(() => undefined)
  }

  #schedule(first: boolean): void {
    const { interval, jitter } = this.#settings
    if (interval <= 0 || this.#stopped) return
    const spread = 1 + jitter * (2 * Math.random() - 1)
    const delay = first ? Math.random() * interval : interval * spread
    this.#timer = setTimeout(() => {
      this.#running = this.#prune()
      this.#running
        .then(this.#done, (err) => this.#failed(err as PgStoreError))
        .finally(() => {
          this.#running = undefined
          this.#schedule(false)
        })
    }, delay)
    this.#timer.unref()
  }
}
