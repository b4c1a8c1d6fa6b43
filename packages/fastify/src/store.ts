/**
 * PgSessionStore: @fastify/session's store contract (`get`, `set`, `destroy` with callbacks) mapped onto a
 * {@link PgStore}. Every rule (hashing, expiry, touch throttling, size limits, encryption) lives in core;
 * this file only translates.
 *
 * @fastify/session saves every session it serves on every request (`rolling` defaults to true), changed or
 * not. A save of a session this request loaded and did not change becomes core's touch, which sends no
 * query within `touchAfter`; a changed one is an update, so a session revoked while the request ran stays
 * revoked; only an id this request generated is created, with the request's metadata.
 *
 * @example
 * ```ts
 * import fastifyCookie from '@fastify/cookie'
 * import fastifySession from '@fastify/session'
 * import { PgSessionStore, sessionDefaults } from '@pgstore/fastify'
 *
 * const store = new PgSessionStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * await app.register(fastifyCookie)
 * await app.register(fastifySession, sessionDefaults({ store, secret: [process.env.SESSION_SECRET] }))
 * ```
 */

import type { SessionStore } from '@fastify/session'
import type { PgStore, PgStoreOptions, SessionMeta } from '@pgstore/core'
import { resolveStore } from '@pgstore/core/adapter'
import type { FastifyRequest, Session } from 'fastify'

/** Options of {@link PgSessionStore}: PgStore options, or an existing store as `{ store }`. */
export type PgSessionStoreOptions = (PgStoreOptions<Session> | { store: PgStore<any> }) & {
  /**
   * What a new session records about the request that creates it, for device lists (`listByUser`):
   * `request.ip` (behind a proxy, set Fastify's `trustProxy`) and the `User-Agent` header by default; a
   * function of the request to record something else; `false` to record nothing. Core cuts and cleans it.
   * @default (request) => ({ ip: request.ip, userAgent: request.headers['user-agent'] })
   */
  metadata?: false | ((request: FastifyRequest) => SessionMeta | null | undefined)
}

type Callback<T = void> = (err?: any, value?: T) => void

/** What @fastify/session hands `set`: its Session object, whose request sits under a private symbol. */
type FastifySessionLike = Session & { isModified?: () => boolean; cookie: { toJSON?: () => object } }

const requestMeta = (request: FastifyRequest): SessionMeta => ({
  ip: request.ip,
  userAgent: request.headers['user-agent'],
})

/** Calls back on the next tick, so an exception thrown by the callback is not taken for a store failure. */
function settle<T>(work: Promise<T>, callback: Callback<T>): void {
  work.then(
    (value) => process.nextTick(callback, null, value),
    (err) => process.nextTick(callback, err),
  )
}

/**
 * The request a @fastify/session Session belongs to. @fastify/session 11 keeps it under a private
 * `Symbol('request')`; a test pins this, and without it the save is a plain create-or-replace.
 */
function requestOf(sess: object): FastifyRequest | undefined {
  const key = Object.getOwnPropertySymbols(sess).find((s) => s.description === 'request')
  const req = key === undefined ? undefined : (sess as Record<symbol, unknown>)[key]
  return typeof req === 'object' && req !== null && 'cookies' in req ? (req as FastifyRequest) : undefined
}

/**
 * True when the request's cookie carried `sid`: then @fastify/session restored it from the store (a cookie
 * that fails its signature gets a fresh random id, which no client can know). Signed cookies read
 * `<id>.<signature>`, after an optional `cookiePrefix`, whichever of the rotated secrets signed them.
 */
function cameWith(request: FastifyRequest, sid: string): boolean {
  const cookies = (request.cookies ?? {}) as Record<string, string | undefined>
  return Object.values(cookies).some((value) => value?.includes(`${sid}.`) === true)
}

/**
 * The session as data: its own fields and its cookie's `toJSON()`, none of its private symbols (one holds
 * the request). Core refuses what JSON cannot store.
 */
function dataOf(sess: FastifySessionLike): Session {
  const cookie = typeof sess.cookie?.toJSON === 'function' ? sess.cookie.toJSON() : sess.cookie
  return { ...Object.fromEntries(Object.entries(sess)), cookie } as Session
}

function expiryOf(sess: Session): { expiresAt?: Date } {
  const expires = sess.cookie?.expires as Date | string | null | undefined
  const at = expires == null ? undefined : new Date(expires)
  return { expiresAt: at && !Number.isNaN(at.getTime()) ? at : undefined }
}

/** A @fastify/session store on PostgreSQL. Pass it as @fastify/session's `store` option. */
export class PgSessionStore implements SessionStore {
  /** The core store: for `listByUser`, `destroyByUser`, `destroyByDigest`, `prune`, events. */
  readonly store: PgStore<Session>
  readonly #close: () => Promise<void>
  readonly #metadata: ((request: FastifyRequest) => SessionMeta | null | undefined) | undefined
  /** The ids each request wrote: a later save of one in the same request is an update, never a create. */
  readonly #written = new WeakMap<object, Set<string>>()

  constructor(options: PgSessionStoreOptions) {
    const { metadata, ...rest } = options
    this.#metadata = metadata === false ? undefined : (metadata ?? requestMeta)
    const resolved = resolveStore<Session>(rest, '@pgstore/fastify')
    this.store = resolved.store
    this.#close = resolved.close
  }

  /**
   * The session, or null. Its `cookie.expires` is the row's expiry, so @fastify/session's own expiry check
   * sees a touch that moved only the row (touches never rewrite data).
   */
  get(sid: string, callback: Callback<Session | null>): void {
    const work = this.store.getRecord(sid).then((record) => {
      if (!record) return null
      const data = record.data
      // A row written outside @fastify/session (no cookie) would break its Session; start afresh.
      if (typeof data.cookie !== 'object' || data.cookie === null) return null
      if (data.cookie.expires != null) data.cookie.expires = record.expiresAt
      return data
    })
    settle(work, callback)
  }

  /**
   * Saves the session, expiring at `cookie.expires`, else after the store's ttl; an expiry already past
   * destroys it. Outside a request (no @fastify/session Session) it creates or replaces the row.
   */
  set(sid: string, sess: Session, callback: Callback): void {
    settle(
      this.#save(sid, sess as FastifySessionLike).then(() => undefined),
      callback,
    )
  }

  #save(sid: string, session: FastifySessionLike): Promise<unknown> {
    const request = requestOf(session)
    if (!request) return this.store.set(sid, dataOf(session), expiryOf(session))
    const written = this.#written.get(request) ?? new Set<string>()
    this.#written.set(request, written)
    const known = written.has(sid) || cameWith(request, sid)
    written.add(sid)
    if (!known)
      return this.store.create(sid, dataOf(session), {
        ...expiryOf(session),
        meta: this.#metadata?.(request),
      })
    if (session.isModified?.() === false) return this.#touch(sid, session)
    return this.store.update(sid, dataOf(session), expiryOf(session))
  }

  /**
   * Moves the expiry to `cookie.expires` (else the ttl) without writing data, so a concurrent request's
   * write is never lost. Within core's `touchAfter` of the last write it sends no query at all.
   */
  touch(sid: string, sess: Session, callback: Callback): void {
    settle(
      this.#touch(sid, sess).then(() => undefined),
      callback,
    )
  }

  /** The touch's `data` only fills a missing user id; core never writes it. */
  #touch(sid: string, sess: Session): Promise<boolean> {
    return this.store.touch(sid, { ...expiryOf(sess), data: sess })
  }

  destroy(sid: string, callback: Callback): void {
    settle(this.store.destroy(sid), callback)
  }

  /** Closes the core store, unless it was passed in as `{ store }`. */
  close(): Promise<void> {
    return this.#close()
  }
}
