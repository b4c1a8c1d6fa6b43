/**
 * The opt-in read cache: a bounded LRU of plaintext session JSON by digest, kept coherent across
 * processes by LISTEN/NOTIFY. Every write a cached store makes is announced as `<instance>:<digest>,...`
 * before the write call returns; a listener on a dedicated connection drops the entries other instances
 * wrote. While that connection is down nothing is served from memory, since notifications may be missed.
 *
 * @example
 * ```ts
 * const store = new PgStore({ connectionString, cache: { max: 10_000, maxAge: 30_000 } })
 * ```
 */
import { PgStoreError } from './errors'

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
  readonly instance: string
  readonly #entries = new Map<string, CachedSession>()
  /** Bumped by every invalidation, so a read in flight across one does not fill the cache. */
  #epoch = 0
  #live = false

  constructor(options: CacheOptions, instance: string) {
    this.max = whole('cache.max', options.max, 10_000)
    this.maxAge = whole('cache.maxAge', options.maxAge, 30_000)
    this.instance = instance
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

  get live(): boolean {
    return this.#live
  }

  set live(value: boolean) {
    this.clear()
    this.#live = value
  }

  /**
   * A NOTIFY payload: `<instance>:<digest>[,<digest>...]`, or `<instance>:*` for everything. Our own are
   * ignored.
   */
  notified(payload: string): void {
    const at = payload.indexOf(':')
    if (at < 0 || payload.slice(0, at) === this.instance) return
    const digests = payload.slice(at + 1)
    if (digests === '*') this.clear()
    else for (const digest of digests.split(',')) this.invalidate(digest)
  }
}

/** A connection that can LISTEN: a pg.Pool (one client is kept), or a PGlite instance. */
export type ListenSource =
  | { kind: 'pool'; pool: { connect: () => Promise<ListenClient> } }
  | {
      kind: 'pglite'
      client: { listen: (channel: string, cb: (payload: string) => void) => Promise<() => Promise<void>> }
    }

interface ListenClient {
  query: (text: string) => Promise<unknown>
  on: (event: string, listener: (...args: any[]) => void) => unknown
  release: (err?: Error | boolean) => void
}

/** Finds how to LISTEN on a driver's client, or throws INVALID_OPTIONS. */
export function listenSource(client: unknown): ListenSource {
  const c = client as Record<string, unknown> | null | undefined
  if (c && typeof c === 'object') {
    if (typeof c.connect === 'function' && typeof c.totalCount === 'number') {
      // The listener keeps one connection for good; with one in all, no statement could run.
      const max = (c.options as { max?: unknown } | undefined)?.max
      if (typeof max === 'number' && max < 2) {
        throw new PgStoreError('INVALID_OPTIONS', 'pgstore: cache needs a pool of at least 2 connections.')
      }
      return { kind: 'pool', pool: c as never }
    }
    if (typeof c.listen === 'function') return { kind: 'pglite', client: c as never }
  }
  throw new PgStoreError(
    'INVALID_OPTIONS',
    'pgstore: cache needs a connection that can LISTEN (a pg.Pool, a connection string or PGlite).',
  )
}

const RECONNECT_MS = 1_000

/** Keeps one LISTEN open, marks the cache dead while it is not, and reconnects with a fixed backoff. */
export class CacheListener {
  readonly #source: ListenSource
  readonly #channel: string
  readonly #cache: SessionCache
  readonly #onError: (err: unknown) => void
  #stop: (() => Promise<void>) | undefined
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(source: ListenSource, channel: string, cache: SessionCache, onError: (err: unknown) => void) {
    this.#source = source
    this.#channel = channel
    this.#cache = cache
    this.#onError = onError
  }

  async start(): Promise<void> {
    const stop = await this.#connect()
    if (this.#closed) return void (await stop())
    this.#stop = stop
    this.#cache.live = true
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#cache.live = false
    const stop = this.#stop
    this.#stop = undefined
    await stop?.().catch(() => undefined)
  }

  #lost(err: unknown): void {
    this.#stop = undefined
    this.#cache.live = false
    if (this.#closed) return
    this.#onError(err)
    this.#retry()
  }

  #retry(): void {
    this.#timer = setTimeout(() => {
      this.start().catch((err) => {
        if (this.#closed) return
        this.#onError(err)
        this.#retry()
      })
    }, RECONNECT_MS)
    this.#timer.unref()
  }

  async #connect(): Promise<() => Promise<void>> {
    const source = this.#source
    if (source.kind === 'pglite') {
      return source.client.listen(this.#channel, (payload) => this.#cache.notified(payload))
    }
    const client = await source.pool.connect()
    let done = false
    const lost = (err?: unknown) => {
      if (done) return
      done = true
      client.release(true)
      this.#lost(err ?? new Error('the LISTEN connection ended'))
    }
    client.on('error', lost)
    client.on('end', lost)
    client.on('notification', (msg: { channel: string; payload?: string }) => {
      if (msg.channel === this.#channel) this.#cache.notified(msg.payload ?? '')
    })
    try {
      await client.query(`LISTEN ${this.#channel}`)
    } catch (err) {
      done = true
      client.release(true)
      throw err
    }
    return async () => {
      if (done) return
      done = true
      client.release(true)
    }
  }
}

function whole(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new PgStoreError('INVALID_OPTIONS', `pgstore: ${name} must be a positive number.`)
  }
  return value
}
