/**
 * Tells the other instances which sessions this one wrote, batched: the writes that finish while an
 * announcement is in flight share the next one, in one statement. Each write call resolves once its
 * announcement is committed, so it returns only after every listening instance can know of it.
 *
 * The notification is not part of the write's statement: a NOTIFY holds a cluster-wide lock ("database 0"
 * in PostgreSQL's async.c) from its commit until the commit's disk flush, so one per write would serialise
 * every session write behind the one before it.
 */
import { bounded } from '../store/calls'
import { noticePayloads, type WriteNotice } from './protocol'

export type Notify = (channel: string, payloads: readonly string[]) => Promise<void>

export class Announcer {
  readonly #notice: WriteNotice
  readonly #timeout: number
  readonly #onError: (err: unknown) => void
  /** Digests written since the last announcement, and the writes waiting for it. */
  #pending = new Set<string>()
  #waiting: Array<() => void> = []
  #flushing: Promise<void> | undefined

  constructor(notice: WriteNotice, timeout: number, onError: (err: unknown) => void) {
    this.#notice = notice
    this.#timeout = timeout
    this.#onError = onError
  }

  /** Resolves once `digest` is announced. A failed announcement is reported, never thrown: the write stands. */
  announce(notify: Notify, digest: string): Promise<void> {
    this.#pending.add(digest)
    const done = new Promise<void>((resolve) => this.#waiting.push(resolve))
    // The writes that complete in this turn of the event loop join the first batch.
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush(notify))
    return done
  }

  /** Resolves when nothing is in flight. */
  async settled(): Promise<void> {
    await this.#flushing
  }

  async #flush(notify: Notify): Promise<void> {
    const { channel, instance } = this.#notice
    while (this.#pending.size > 0) {
      const digests = this.#pending
      const waiting = this.#waiting
      this.#pending = new Set()
      this.#waiting = []
      try {
        await bounded(
          notify(channel, noticePayloads(instance, digests)),
          this.#timeout,
          () => 'pgstore: announcing writes took longer than queryTimeout.',
        )
      } catch (err) {
        // The writes themselves are done; other instances keep their copies until maxAge, or until their
        // own listener fails on the same outage and empties their caches.
        this.#onError(err)
      }
      for (const resolve of waiting) resolve()
    }
    this.#flushing = undefined
  }
}
