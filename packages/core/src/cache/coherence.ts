/**
 * Cache coherence: the one interface the store calls around its statements, and all the cache's rules.
 * With the cache off it is a pass-through. With it on:
 * - a hit is served only while the listener is up;
 * - a read fills the cache only if nothing was invalidated while it was in flight (the epoch), and never
 *   over an entry a newer write of ours stored (`since`);
 * - a write fills the cache with what it wrote and is announced after it commits (announcer.ts);
 * - a failed write, a write that found its row gone, a destroy, and every deletion another instance
 *   announces drop the entry. Deletions announce themselves from their own statement, cached or not.
 *
 * @example
 * ```ts
 * const coherence = createCoherence(options.cache, label, timeout, onError)
 * const hit = coherence.hit(digest)
 * await coherence.wrote(digest, () => q.update(...), (expiresAt) => entry, q.notify)
 * ```
 */
import { randomBytes } from 'node:crypto'
import { isPgStoreError } from '../errors'
import { Announcer, type Notify } from './announcer'
import { CacheListener, type ListenSource, listenSource, type Probe } from './listener'
import { type CachedSession, type CacheOptions, SessionCache } from './lru'
import { cacheChannel, type WriteNotice } from './protocol'

/** Taken when a database read starts; hands `read` what it needs to refuse a stale fill. */
export interface ReadTicket {
  epoch: number
  since: number
}

export interface Coherence {
  /** Where this store's deletions are announced from their own statement, with the cache on or off. */
  readonly notice: WriteNotice
  /** Starts listening on a connection of the resolved database's client. */
  start(client: unknown): Promise<void>
  close(): Promise<void>
  hit(digest: string): CachedSession | undefined
  beginRead(): ReadTicket
  read(digest: string, ticket: ReadTicket, entry: CachedSession): void
  /**
   * Runs a write of `digest`, which resolves to the expiry it stored, then caches `entry(expiresAt)` and
   * announces it. A write that wrote nothing (its row was gone) drops the entry; false then.
   */
  wrote(
    digest: string,
    write: () => Promise<number | undefined>,
    entry: (expiresAt: number) => CachedSession,
    notify: Notify,
  ): Promise<boolean>
  /** Runs a touch of `digest`, which resolves to the expiry it stored; a touch that found no row drops the entry. */
  touched(digest: string, touch: () => Promise<number | undefined>, notify: Notify): Promise<boolean>
  /** Runs a deletion of `digest` that announces itself from its own statement, then drops the entry. */
  removed(digest: string, remove: () => Promise<void>): Promise<void>
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
  listenConnectionString?: string,
): Coherence {
  const notice = { channel: cacheChannel(label), instance: randomBytes(8).toString('hex') }
  return options
    ? new CachedCoherence(options, notice, timeout, onError, listenConnectionString)
    : noCache(notice)
}

interface OwnListenPool {
  connect: () => Promise<never>
  end: () => Promise<void>
  on: (event: 'error', listener: (err: Error) => void) => unknown
}

/** One connection of its own for the listener, on `url` (a direct or session-mode endpoint). */
async function ownListenPool(url: string): Promise<OwnListenPool> {
  const pg = (await import('pg')) as unknown as { default?: { Pool: unknown }; Pool?: unknown }
  const Pool = (pg.default?.Pool ?? pg.Pool) as new (c: object) => OwnListenPool
  const pool = new Pool({ connectionString: url, max: 1 })
  // The listener sees the client's own error and reconnects; the pool's copy must not crash the process.
  pool.on('error', () => undefined)
  return pool
}

/** NOTIFY from the store's own connection, which is what other instances' writes go through. */
function probeOf(client: unknown): Probe | undefined {
  const c = client as { query?: (text: string, params: unknown[]) => Promise<unknown> } | null
  if (typeof c?.query !== 'function') return undefined
  return async (channel, payload) => {
    await c.query?.('select pg_notify($1, $2)', [channel, payload])
  }
}

/** With no cache, every read shares one ticket: nothing is allocated per read. */
const NO_TICKET: ReadTicket = Object.freeze({ epoch: 0, since: 0 })

const noCache = (notice: WriteNotice): Coherence => ({
  notice,
  start: async () => undefined,
  close: async () => undefined,
  hit: () => undefined,
  beginRead: () => NO_TICKET,
  read: () => undefined,
  wrote: async (_digest, write) => (await write()) !== undefined,
  touched: async (_digest, touch) => (await touch()) !== undefined,
  removed: (_digest, remove) => remove(),
  revoking: (_digests, remove) => remove(),
  revokingMatches: (remove) => remove(),
})

class CachedCoherence implements Coherence {
  readonly notice: WriteNotice
  readonly #cache: SessionCache
  readonly #announcer: Announcer
  readonly #onError: (err: unknown, where: string) => void
  readonly #listenUrl: string | undefined
  #listener: CacheListener | undefined
  #ownPool: OwnListenPool | undefined

  constructor(
    options: Required<CacheOptions>,
    notice: WriteNotice,
    timeout: number,
    onError: (err: unknown, where: string) => void,
    listenUrl: string | undefined,
  ) {
    this.notice = notice
    this.#listenUrl = listenUrl
    this.#cache = new SessionCache(options)
    this.#onError = onError
    this.#announcer = new Announcer(this.notice, timeout, (err) =>
      onError(err, 'announcing writes to other instances'),
    )
  }

  /**
   * Listens on `client` (or on listenConnectionString). When the listener cannot hear its own probe, the
   * cache stays bypassed and that is reported; the store works on without it.
   */
  async start(client: unknown): Promise<void> {
    if (this.#listener) return
    let source: ListenSource
    if (this.#listenUrl) {
      this.#ownPool ??= await ownListenPool(this.#listenUrl)
      source = { kind: 'pool', pool: this.#ownPool }
    } else {
      source = listenSource(client)
    }
    const onError = (err: unknown) => this.#onError(err, 'the cache listener')
    const listener = new CacheListener(source, this.notice, this.#cache, onError, probeOf(client))
    try {
      await listener.start()
    } catch (err) {
      if (!isPgStoreError(err, 'INVALID_OPTIONS')) throw err
      onError(err)
    }
    this.#listener = listener
  }

  async close(): Promise<void> {
    await this.#announcer.settled()
    await this.#listener?.close()
    await this.#ownPool?.end()
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

  async wrote(
    digest: string,
    write: () => Promise<number | undefined>,
    entry: (expiresAt: number) => CachedSession,
    notify: Notify,
  ) {
    const epoch = this.#cache.epoch
    let expiresAt: number | undefined
    try {
      expiresAt = await write()
    } catch (err) {
      this.#cache.invalidate(digest)
      throw err
    }
    if (expiresAt === undefined) {
      // The row was gone: revoked while this request had it loaded. Nothing was written.
      this.#cache.invalidate(digest)
      return false
    }
    // What was just written is what the row holds, unless another instance's write was announced while
    // this one was in flight: then the entry is dropped and the next read goes to the database. A read
    // that was in flight across this write finds this newer entry and leaves it (see fill's `since`).
    this.#cache.fill(digest, entry(expiresAt), epoch)
    await this.#announcer.announce(notify, digest)
    return true
  }

  async touched(digest: string, touch: () => Promise<number | undefined>, notify: Notify) {
    const now = Date.now()
    const expiresAt = await touch()
    if (expiresAt !== undefined) this.#cache.touched(digest, expiresAt, now)
    else this.#cache.invalidate(digest)
    await this.#announcer.announce(notify, digest)
    return expiresAt !== undefined
  }

  async removed(digest: string, remove: () => Promise<void>): Promise<void> {
    // Dropped once the deletion settles, so a read in flight across it does not refill it.
    try {
      await remove()
    } finally {
      this.#cache.invalidate(digest)
    }
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
