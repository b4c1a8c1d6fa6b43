/**
 * The cache's memory: a bounded LRU of plaintext session JSON by digest, with an invalidation epoch so a
 * read in flight across an invalidation cannot put an older row back. It serves nothing until enabled:
 * the listener enables it while its LISTEN connection is up (see coherence.ts for how the store uses it).
 *
 * @example
 * ```ts
 * const store = new PgStore({ connectionString, cache: { max: 10_000, maxAge: 30_000 } })
 * ```
 */

export interface CacheOptions {
  /**
   * Most sessions kept in memory; the least recently used goes first.
   * @default 10_000
   */
  max?: number
  /**
   * Longest time, in ms, an entry is served without reading the database again. It bounds how stale a
   * read can be if a notification is lost without the listener noticing.
   * @default 30_000
   */
  maxAge?: number
}

export interface CachedSession {
  /** Plaintext session JSON; parsed anew on every hit, since adapters mutate what get returns. */
  json: string
  expiresAt: number
  updatedAt: number
  storedAt: number
}

export class SessionCache {
  readonly max: number
  readonly maxAge: number
  readonly #entries = new Map<string, CachedSession>()
  /** Bumped by every invalidation, so a read in flight across one does not fill the cache. */
  #epoch = 0
  #live = false

  constructor(options: Required<CacheOptions>) {
    this.max = options.max
    this.maxAge = options.maxAge
  }

  get epoch(): number {
    return this.#epoch
  }

  get(digest: string): CachedSession | undefined {
    if (!this.#live) return undefined
    const entry = this.#entries.get(digest)
    if (!entry) return undefined
    const now = Date.now()
    if (entry.expiresAt <= now || now - entry.storedAt >= this.maxAge) {
      this.#entries.delete(digest)
      return undefined
    }
    this.#entries.delete(digest)
    this.#entries.set(digest, entry)
    return entry
  }

  /**
   * Stores what a read found or a write wrote, unless an invalidation happened since `epoch` was taken:
   * then the entry is dropped, as it may be older than a write another instance announced meanwhile.
   */
  fill(digest: string, entry: CachedSession, epoch: number, since?: number): void {
    if (!this.#live || epoch !== this.#epoch) {
      this.#entries.delete(digest)
      return
    }
    // A read that began before our own write stored its result must not put the older row back.
    const current = this.#entries.get(digest)
    if (since !== undefined && current && current.storedAt >= since) return
    this.#entries.delete(digest)
    this.#entries.set(digest, entry)
    if (this.#entries.size > this.max) this.#entries.delete(this.#entries.keys().next().value!)
  }

  /** Our own touch moved the expiry; the data is unchanged. */
  touched(digest: string, expiresAt: number, updatedAt: number): void {
    const entry = this.#entries.get(digest)
    if (entry) this.#entries.set(digest, { ...entry, expiresAt, updatedAt })
  }

  invalidate(digest: string): void {
    this.#entries.delete(digest)
    this.#epoch++
  }

  clear(): void {
    this.#entries.clear()
    this.#epoch++
  }

  /** True while entries may be served. */
  get enabled(): boolean {
    return this.#live
  }

  /** Starts or stops serving; either way every entry is dropped, since notifications may have been missed. */
  setEnabled(value: boolean): void {
    this.clear()
    this.#live = value
  }
}
