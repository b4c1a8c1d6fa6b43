/**
 * The wrapper of every store call: refuses calls after close(), bounds each by a timeout, maps whatever
 * the driver threw to a PgStoreError, and tracks health (a `disconnect` on the first unreachable call,
 * a `connect` on the first success after it).
 *
 * A read-only server (a standby the driver reconnected to) answers reads and refuses writes, so after a
 * read-only error only a write that succeeds brings health back: a read's success would flip the store
 * to healthy and back on every request while no session can be saved.
 */
import { isReadOnlyServer, PgStoreError, toPgStoreError } from '../errors'

/** The store calls that only read; every other call writes (or may). */
const READS = new Set(['get', 'ids', 'all', 'length', 'listByUser'])

export interface CallEvents {
  connect(): void
  disconnect(error: PgStoreError): void
}

export class Calls {
  readonly #label: string
  readonly #timeout: number
  readonly #events: CallEvents
  #healthy = true
  /** The last outage began or went on with a read-only error, and no write has succeeded since. */
  #readOnly = false
  #closed = false

  /** `label` names the table in messages; `timeout` is queryTimeout in ms (0: none). */
  constructor(label: string, timeout: number, events: CallEvents) {
    this.#label = label
    this.#timeout = timeout
    this.#events = events
  }

  get healthy(): boolean {
    return this.#healthy
  }

  get closed(): boolean {
    return this.#closed
  }

  close(): void {
    this.#closed = true
  }

  /** Runs `work` as the store call `action`, bounded by `timeout` (0: none). */
  run<T>(action: string, work: () => Promise<T>, timeout = this.#timeout): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new PgStoreError('CLOSED', `pgstore: ${action} was called after close().`))
    }
    const late = () =>
      `pgstore: ${action} took longer than queryTimeout. Raise queryTimeout, look for a lock held on ${this.#label}, or for an exhausted pool: every connection busy, here (poolSize) or in a pooler in front of the server (PgBouncer's default_pool_size must cover every instance's poolSize plus one cache listener each in session mode).`
    return bounded(work(), timeout, late).then(
      (result) => {
        if (!this.#healthy && !(this.#readOnly && READS.has(action))) {
          this.#healthy = true
          this.#readOnly = false
          this.#events.connect()
        }
        return result
      },
      (err: unknown) => {
        const error = toPgStoreError(err, action, this.#label)
        if (error.code === 'DB_UNAVAILABLE') {
          if (isReadOnlyServer(error)) this.#readOnly = true
          if (this.#healthy) {
            this.#healthy = false
            this.#events.disconnect(error)
          }
        }
        throw error
      },
    )
  }
}

/**
 * `work`, or a TIMEOUT after `ms` (0: no bound). One timer, cleared as soon as work settles; the message is
 * only built when the timer fires.
 */
export function bounded<T>(work: Promise<T>, ms: number, message: () => string): Promise<T> {
  if (ms === 0) return work
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new PgStoreError('TIMEOUT', message())), ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}
