/**
 * The LISTEN side of cache coherence: one connection kept for good, on which other instances'
 * announcements arrive. The cache serves only while it is up; when it drops, the cache is emptied and
 * disabled until a reconnect (fixed backoff) succeeds.
 *
 * Each start proves the connection hears: it NOTIFYs a probe on its own channel from another connection
 * (`probe`) and waits for it. Through a pooler in transaction mode LISTEN lands on a server connection that
 * is handed to someone else, and nothing ever arrives; the cache then stays bypassed (every read goes to
 * the database) and the listener reports it, instead of serving stale sessions until `maxAge`.
 */
import { randomBytes } from 'node:crypto'
import { PgStoreError } from '../errors'
import type { SessionCache } from './lru'
import { parseNotice, type WriteNotice } from './protocol'

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
/** The longest wait for the probe NOTIFY to come back. */
export const PROBE_MS = 2_000

/** Sends `payload` on `channel` from a connection other than the listener's. */
export type Probe = (channel: string, payload: string) => Promise<void>

/** Keeps one LISTEN open, marks the cache dead while it is not, and reconnects with a fixed backoff. */
export class CacheListener {
  readonly #source: ListenSource
  readonly #channel: string
  readonly #cache: SessionCache
  readonly #instance: string
  readonly #onError: (err: unknown) => void
  readonly #probe: Probe | undefined
  #heard: ((payload: string) => void) | undefined
  #stop: (() => Promise<void>) | undefined
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(
    source: ListenSource,
    notice: WriteNotice,
    cache: SessionCache,
    onError: (err: unknown) => void,
    probe?: Probe,
  ) {
    this.#source = source
    this.#probe = probe
    this.#channel = notice.channel
    this.#instance = notice.instance
    this.#cache = cache
    this.#onError = onError
  }

  /** Listens, and enables the cache once the probe came back. @throws PgStoreError `INVALID_OPTIONS` when it did not */
  async start(): Promise<void> {
    const stop = await this.#connect()
    if (this.#closed) return void (await stop())
    try {
      await this.#proveHeard()
    } catch (err) {
      await stop()
      throw err
    }
    if (this.#closed) return void (await stop())
    this.#stop = stop
    this.#cache.setEnabled(true)
  }

  async #proveHeard(): Promise<void> {
    if (!this.#probe) return
    const token = `${this.#instance}:probe-${randomBytes(8).toString('hex')}`
    let timer: NodeJS.Timeout | undefined
    const heard = new Promise<boolean>((resolve) => {
      this.#heard = (payload) => payload === token && resolve(true)
      timer = setTimeout(() => resolve(false), PROBE_MS)
    })
    try {
      await this.#probe(this.#channel, token)
      if (await heard) return
    } finally {
      clearTimeout(timer)
      this.#heard = undefined
    }
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: the cache listener did not receive its own NOTIFY within ${PROBE_MS} ms, so the cache is bypassed (every read goes to the database). LISTEN does not work through a pooler in transaction mode: set listenConnectionString to a direct or session-mode endpoint.`,
    )
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#cache.setEnabled(false)
    const stop = this.#stop
    this.#stop = undefined
    await stop?.().catch(() => undefined)
  }

  /** Drops what another instance announced; our own announcements are ignored. */
  #notified(payload: string): void {
    this.#heard?.(payload)
    const notice = parseNotice(payload, this.#instance)
    if (!notice) return
    if (notice.everything) this.#cache.clear()
    else for (const digest of notice.digests) this.#cache.invalidate(digest)
  }

  #lost(err: unknown): void {
    this.#stop = undefined
    this.#cache.setEnabled(false)
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
      return source.client.listen(this.#channel, (payload) => this.#notified(payload))
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
      if (msg.channel === this.#channel) this.#notified(msg.payload ?? '')
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
