/**
 * PgSessionStore: express-session's `Store` contract mapped onto a {@link PgStore}. Every rule (hashing,
 * expiry, touch throttling, size limits, encryption) lives in core; this file only translates.
 *
 * @example
 * ```ts
 * import session from 'express-session'
 * import { PgSessionStore } from '@pgstore/express'
 *
 * const store = new PgSessionStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * app.use(session({ store, secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }))
 * ```
 */
import type { PgStore, PgStoreOptions, SessionEntry, SessionMeta } from '@pgstore/core'
import { positiveNumber, resolveStore } from '@pgstore/core/adapter'
import type { Request } from 'express'
import session, { type SessionData } from 'express-session'

/** Options of {@link PgSessionStore}: PgStore options, or an existing store as `{ store }`. */
export type PgSessionStoreOptions = (PgStoreOptions<SessionData> | { store: PgStore<any> }) & {
  /**
   * While the database is unreachable express-session stops calling the store, so the store polls the
   * database itself, every this many ms, to notice when it is back and emit `connect`.
   * @default 1_000
   */
  reconnectInterval?: number
  /**
   * What a new session records about the request that creates it, for device lists (`listByUser`):
   * `req.ip` (behind a proxy, set express's `trust proxy`) and the `User-Agent` header by default; a
   * function of the request to record something else; `false` to record nothing. Core cuts and cleans it.
   * @default (req) => ({ ip: req.ip, userAgent: req.headers['user-agent'] })
   */
  metadata?: false | ((req: Request) => SessionMeta | null | undefined)
}

const requestMeta = (req: Request): SessionMeta => ({ ip: req.ip, userAgent: req.headers['user-agent'] })

type Callback<T> = (err: any, value?: T) => void

/** An id no session has: looking it up is one primary-key probe, the cheapest query the store makes. */
const PROBE_ID = 'pgstore-express-reconnect-probe'

/**
 * Calls back on the next tick (so an exception thrown by the callback is not taken for a store failure),
 * or returns the promise when no callback is given. That promise is marked handled: callers of
 * express-session's API often fire `destroy(sid)` and forget it, and an unhandled rejection would end the
 * process. Awaiting it still sees the error.
 */
function settle<T>(work: Promise<T>, callback: Callback<T> | undefined): Promise<T> | undefined {
  if (!callback) {
    work.catch(() => undefined)
    return work
  }
  work.then(
    (value) => process.nextTick(callback, null, value),
    (err) => process.nextTick(callback, err),
  )
  return undefined
}

/** The request a session object of express-session belongs to (its non-enumerable `req`), if any. */
function requestOf(sess: SessionData): Request | undefined {
  const req = (sess as { req?: unknown }).req
  return typeof req === 'object' && req !== null ? (req as Request) : undefined
}

function expiryOf(sess: SessionData | undefined): Date | undefined {
  const expires = sess?.cookie?.expires as Date | string | null | undefined
  if (expires == null) return undefined
  const at = expires instanceof Date ? expires : new Date(expires)
  return Number.isNaN(at.getTime()) ? undefined : at
}

/**
 * An express-session store on PostgreSQL. Each method takes a callback, or returns a promise when given
 * none. Forwards core's `connect` / `disconnect`, which express-session listens to.
 */
export class PgSessionStore extends session.Store {
  /** The core store: for `listByUser`, `prune`, events such as `backgroundError`. */
  readonly store: PgStore<SessionData>
  readonly #close: () => Promise<void>
  readonly #reconnectInterval: number
  readonly #metadata: ((req: Request) => SessionMeta | null | undefined) | undefined
  #probe: NodeJS.Timeout | undefined
  /**
   * The id each request loaded (or already wrote), keyed by the request. express-session does not say
   * whether a session is new; a save of a loaded id may only update its row, so a session revoked while
   * the request ran stays revoked, and only an id this request generated inserts.
   */
  readonly #loaded = new WeakMap<object, string>()

  constructor(options: PgSessionStoreOptions) {
    super()
    const { reconnectInterval, metadata, ...rest } = options
    this.#reconnectInterval = positiveNumber('reconnectInterval (ms)', reconnectInterval, 1_000)
    this.#metadata = metadata === false ? undefined : (metadata ?? requestMeta)
    const resolved = resolveStore<SessionData>(rest, '@pgstore/express')
    this.store = resolved.store
    this.#close = resolved.close
    this.store.on('disconnect', () => {
      this.emit('disconnect')
      this.#startProbe()
    })
    this.store.on('connect', () => {
      this.#stopProbe()
      this.emit('connect')
    })
  }

  /**
   * The session, or null. The returned `cookie.expires` is the row's expiry, so a touch that moved only the
   * row (touches never rewrite data) still shows in the cookie express-session sends.
   */
  override get(sid: string): Promise<SessionData | null>
  override get(sid: string, callback: Callback<SessionData | null>): void
  override get(
    sid: string,
    callback?: Callback<SessionData | null>,
  ): Promise<SessionData | null> | undefined {
    const work = this.store.getRecord(sid).then((record) => {
      if (!record) return null
      const data = record.data
      // A row written outside express-session (no cookie) would make express-session throw; start afresh.
      if (typeof data.cookie !== 'object' || data.cookie === null) return null
      if (data.cookie.expires != null) {
        ;(data.cookie as { expires: unknown }).expires = record.expiresAt.toISOString()
      }
      return data
    })
    return settle(work, callback)
  }

  /**
   * Writes the session, expiring at `cookie.expires` when set, else after the store's ttl. An expiry
   * already past destroys the session instead. A session new to this request records its metadata.
   */
  override set(sid: string, sess: SessionData): Promise<void>
  override set(sid: string, sess: SessionData, callback?: Callback<void>): void
  override set(sid: string, sess: SessionData, callback?: Callback<void>): Promise<void> | undefined {
    const expiry = { expiresAt: expiryOf(sess) }
    const req = requestOf(sess)
    if (!req) return settle(this.store.set(sid, sess, expiry), callback)
    const loaded = this.#loaded.get(req) === sid
    const work = loaded
      ? this.store.update(sid, sess, expiry)
      : this.store.create(sid, sess, { ...expiry, meta: this.#metadata?.(req) })
    // Once written, later saves of this request are updates: a revocation in between must hold.
    this.#loaded.set(req, sid)
    return settle(
      work.then(() => undefined),
      callback,
    )
  }

  /** express-session builds the request's session from a loaded row here: remember the id as loaded. */
  override createSession(req: Request, sess: SessionData): session.Session & SessionData {
    const created = super.createSession(req, sess)
    if (typeof req.sessionID === 'string') this.#loaded.set(req, req.sessionID)
    return created
  }

  /**
   * Moves the expiry to `cookie.expires` (else the ttl) without writing data, so a concurrent request's
   * write is never lost. Within core's `touchAfter` of the last write it sends no query at all.
   */
  override touch(sid: string, sess: SessionData): Promise<void>
  override touch(sid: string, sess: SessionData, callback?: Callback<void>): void
  override touch(sid: string, sess: SessionData, callback?: Callback<void>): Promise<void> | undefined {
    const work = this.store.touch(sid, { expiresAt: expiryOf(sess), data: sess }).then(() => undefined)
    return settle(work, callback)
  }

  override destroy(sid: string): Promise<void>
  override destroy(sid: string, callback?: Callback<void>): void
  override destroy(sid: string, callback?: Callback<void>): Promise<void> | undefined {
    return settle(this.store.destroy(sid), callback)
  }

  /**
   * Every live session, keyed by the SHA-256 digest of its id: ids are never stored, so they cannot be
   * listed. A digest works with `destroyByDigest`, not as a cookie.
   */
  override all(): Promise<Record<string, SessionData>>
  override all(callback: Callback<Record<string, SessionData>>): void
  override all(
    callback?: Callback<Record<string, SessionData>>,
  ): Promise<Record<string, SessionData>> | undefined {
    const work = this.store.all().then((entries) => {
      const byDigest: Record<string, SessionData> = {}
      for (const e of entries) byDigest[e.digest] = e.data
      return byDigest
    })
    return settle(work, callback)
  }

  /** Number of live sessions. */
  override length(): Promise<number>
  override length(callback: Callback<number>): void
  override length(callback?: Callback<number>): Promise<number> | undefined {
    return settle(this.store.length(), callback)
  }

  /** Deletes every session. */
  override clear(): Promise<void>
  override clear(callback?: Callback<void>): void
  override clear(callback?: Callback<void>): Promise<void> | undefined {
    return settle(
      this.store.clear().then(() => undefined),
      callback,
    )
  }

  /** Digests of every live session (see {@link PgSessionStore.all}). */
  ids(): Promise<string[]>
  ids(callback: Callback<string[]>): void
  ids(callback?: Callback<string[]>): Promise<string[]> | undefined {
    return settle(this.store.ids(), callback)
  }

  /** The user's live sessions, newest first; pass `req.sessionID` as `current` to have it flagged. */
  listByUser(userId: string | number, options?: { current?: string }): Promise<SessionEntry<SessionData>[]> {
    return this.store.listByUser(userId, options)
  }

  /**
   * Deletes the user's sessions except `except`: "log out other devices", or after a password change
   * `destroyByUser(userId, { except: req.sessionID })`. Returns how many went.
   */
  destroyByUser(userId: string | number, options?: { except?: string | readonly string[] }): Promise<number> {
    return this.store.destroyByUser(userId, options)
  }

  /** Deletes one session by the digest a listing gave, only if it belongs to `userId` when given. */
  destroyByDigest(digest: string, options?: { userId?: string | number }): Promise<boolean> {
    return this.store.destroyByDigest(digest, options)
  }

  /** Stops the reconnect probe and closes the core store, unless it was passed in as `{ store }`. */
  async close(): Promise<void> {
    this.#stopProbe()
    await this.#close()
  }

  #startProbe(): void {
    if (this.#probe) return
    this.#probe = setInterval(() => {
      // A failure is expected while the database is down; success makes core emit `connect`.
      this.store.getRecord(PROBE_ID).catch(() => undefined)
    }, this.#reconnectInterval)
    this.#probe.unref()
  }

  #stopProbe(): void {
    clearInterval(this.#probe)
    this.#probe = undefined
  }
}
