/**
 * Cache coherence: the one interface the store calls around its statements, and all the cache's rules.
 * With the cache off it is a pass-through. With it on:
 * - a hit is served only while the listener is up;
 * - a read fills the cache only if nothing was invalidated while it was in flight (the epoch), and never
 *   over an entry a newer write of ours stored (`since`);
 * - a write fills the cache with what it wrote and is announced after it commits (announcer.ts);
 * - a failed write, a destroy, and every deletion another instance announces drop the entry.
 *
 * @example
 * ```ts
 * const coherence = createCoherence(options.cache, label, timeout, onError)
 * const hit = coherence.hit(digest)
 * await coherence.wrote(digest, () => q.upsert(...), () => entry, q.notify)
 * ```
 */
import { randomBytes } from 'node:crypto'
import { Announcer, type Notify } from './announcer'
import { CacheListener, listenSource } from './listener'
import { type CachedSession, type CacheOptions, SessionCache } from './lru'
import { cacheChannel, type WriteNotice } from './protocol'

/** Taken when a database read starts; hands `read` what it needs to refuse a stale fill. */
export interface ReadTicket {
  epoch: number
  since: number
}

export interface Coherence {
  /** Where deletions are announced from their own statement; undefined with the cache off. */
  readonly notice: WriteNotice | undefined
  /** Starts listening on a connection of the resolved database's client. */
  start(client: unknown): Promise<void>
  close(): Promise<void>
  hit(digest: string): CachedSession | undefined
  beginRead(): ReadTicket
  read(digest: string, ticket: ReadTicket, entry: CachedSession): void
  /** Runs a write of `digest`, then caches `entry()` and announces it. */
  wrote(digest: string, write: () => Promise<void>, entry: () => CachedSession, notify: Notify): Promise<void>
  /** Runs a touch of `digest` to `expiresAt`; a touch that found no row drops the entry. */
  touched(digest: string, touch: () => Promise<boolean>, expiresAt: number, notify: Notify): Promise<boolean>
  /** Runs a deletion of `digest`, then drops the entry and announces it. */
  removed(digest: string, remove: () => Promise<void>, notify: Notify): Promise<void>
  /** Runs a deletion that announces itself from its own statement, dropping `digests` whatever happens. */
  revoking<T>(digests: readonly string[] | 'all', remove: () => Promise<T>): Promise<T>
  /**
   * Runs a self-announcing deletion of rows not known in advance; drops the digests it returns, or every
   * entry when it fails (which rows went is then unknown).
   */
  revokingMatches(remove: () => Promise<string[]>): Promise<string[]>
}

/** The coherence of a store with `cache` set as given (false or undefined: no cache). */
export function createCoherence(
  options: Required<CacheOptions> | false,
  label: string,
  timeout: number,
  onError: (err: unknown, where: string) => void,
): Coherence {
  return options ? new CachedCoherence(options, label, timeout, onError) : NO_CACHE
}

/** With no cache, every read shares one ticket: nothing is allocated per read. */
const NO_TICKET: ReadTicket = Object.freeze({ epoch: 0, since: 0 })

const NO_CACHE: Coherence = {
  notice: undefined,
  start: async () => undefined,
  close: async () => undefined,
  hit: () => undefined,
  beginRead: () => NO_TICKET,
  read: () => undefined,
  wrote: (_digest, write) => write(),
  touched: (_digest, touch) => touch(),
  removed: (_digest, remove) => remove(),
  revoking: (_digests, remove) => remove(),
  revokingMatches: (remove) => remove(),
}

class CachedCoherence implements Coherence {
  readonly notice: WriteNotice
  readonly #cache: SessionCache
  readonly #announcer: Announcer
  readonly #onError: (err: unknown, where: string) => void
  #listener: CacheListener | undefined

  constructor(
    options: Required<CacheOptions>,
    label: string,
    timeout: number,
    onError: (err: unknown, where: string) => void,
  ) {
    const instance = randomBytes(8).toString('hex')
    this.notice = { channel: cacheChannel(label), instance }
    this.#cache = new SessionCache(options)
    this.#onError = onError
    this.#announcer = new Announcer(this.notice, timeout, (err) =>
      onError(err, 'announcing writes to other instances'),
    )
  }

  async start(client: unknown): Promise<void> {
    if (this.#listener) return
    const listener = new CacheListener(listenSource(client), this.notice, this.#cache, (err) =>
      this.#onError(err, 'the cache listener'),
    )
    await listener.start()
    this.#listener = listener
  }

  async close(): Promise<void> {
    await this.#announcer.settled()
    await this.#listener?.close()
  }

  hit(digest: string): CachedSession | undefined {
    return this.#cache.get(digest)
  }

  beginRead(): ReadTicket {
    return { epoch: this.#cache.epoch, since: Date.now() }
  }

  read(digest: string, ticket: ReadTicket, entry: CachedSession): void {
    this.#cache.fill(digest, entry, ticket.epoch, ticket.since)
  }

  async wrote(digest: string, write: () => Promise<void>, entry: () => CachedSession, notify: Notify) {
    const epoch = this.#cache.epoch
    try {
      await write()
    } catch (err) {
      this.#cache.invalidate(digest)
      throw err
    }
    // What was just written is what the row holds, unless another instance's write was announced while
    // this one was in flight: then the entry is dropped and the next read goes to the database. A read
    // that was in flight across this write finds this newer entry and leaves it (see fill's `since`).
    this.#cache.fill(digest, entry(), epoch)
    await this.#announcer.announce(notify, digest)
  }

  async touched(digest: string, touch: () => Promise<boolean>, expiresAt: number, notify: Notify) {
    const now = Date.now()
    const moved = await touch()
    if (moved) this.#cache.touched(digest, expiresAt, now)
    else this.#cache.invalidate(digest)
    await this.#announcer.announce(notify, digest)
    return moved
  }

  async removed(digest: string, remove: () => Promise<void>, notify: Notify): Promise<void> {
    // Dropped once the deletion settles, so a read in flight across it does not refill it.
    try {
      await remove()
    } finally {
      this.#cache.invalidate(digest)
    }
    await this.#announcer.announce(notify, digest)
  }

  async revoking<T>(digests: readonly string[] | 'all', remove: () => Promise<T>): Promise<T> {
    try {
      return await remove()
    } finally {
      if (digests === 'all') this.#cache.clear()
      else for (const digest of digests) this.#cache.invalidate(digest)
    }
  }

  async revokingMatches(remove: () => Promise<string[]>): Promise<string[]> {
    let digests: string[]
    try {
      digests = await remove()
    } catch (err) {
      this.#cache.clear()
      throw err
    }
    for (const digest of digests) this.#cache.invalidate(digest)
    return digests
  }
}
