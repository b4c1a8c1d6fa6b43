/** The shapes a store hands out: session data, entries of listings, records and events. */
import type { PgStoreError } from '../errors'
import type { PruneResult } from '../sql/prune'

/** Session data: a JSON object. */
export type SessionData = Record<string, unknown>

/** When a write should expire: an absolute time, or a lifetime from now. */
export interface ExpiryOptions {
  /** Absolute expiry (Date or epoch ms). Wins over `ttl`. */
  expiresAt?: Date | number
  /** Lifetime from now, in ms. @default the store's ttl */
  ttl?: number
}

/**
 * What the request that created a session said about itself, kept for device lists ("Firefox on Linux,
 * signed in Tuesday"). Written once, when the session is created; never by an update or a touch. Each
 * string is cleaned before it is stored (see `cleanSessionMeta`). Not session data: it is stored in
 * plaintext even with `encryption` on, and an IP address is personal data, so keep only what you show.
 */
export interface SessionMeta {
  /** The client's address as the framework sees it (`req.ip`, `ctx.ip`): behind a proxy, set it to trust one. */
  ip?: string
  /** The `User-Agent` header. */
  userAgent?: string
}

/** What a new session's write takes: when it expires, and the request's metadata. */
export interface CreateOptions extends ExpiryOptions {
  /** Recorded with the new session, for `listByUser` and `all`; cleaned first. */
  meta?: SessionMeta | null
}

/** What a touch takes: when it should expire, and the data the request holds (to fill a missing user id). */
export interface TouchOptions<TData extends object = SessionData> extends ExpiryOptions {
  data?: TData
  /**
   * How many ms at the end of the expiry are only a margin past the client's own expiry (koa-session asks
   * its store for maxAge + 10 s, "so the store outlives the cookie"). The row still moves to the whole
   * expiry, but the touchAfter window is capped at half the lifetime without the margin, so the touch a
   * client relies on (koa-session's `renew`, once less than half of maxAge is left) is never skipped.
   * @default 0
   */
  margin?: number
}

/** A live row as listing methods return it. */
export interface SessionEntry<TData extends object = SessionData> {
  /** SHA-256 digest of the session id: an opaque handle (for `destroyByDigest`), not a usable id. */
  digest: string
  data: TData
  userId: string | null
  /** When the session was created: a login (which regenerates the id) creates one. */
  createdAt: Date
  /**
   * Last seen: the last write, or the last touch that was not throttled. So it is accurate to the store's
   * `touchAfter`, and only where every request ends in a write or a touch (express-session touches on each
   * request; koa-session and `@pgstore/core/web` touch only with `rolling`).
   */
  updatedAt: Date
  expiresAt: Date
  /** What the request that created the session said about itself (IP, user agent); null when nothing. */
  meta: SessionMeta | null
  /** True for the entry whose id was passed as `current`. */
  current: boolean
}

/** What `getRecord` returns. */
export interface SessionRecord<TData extends object = SessionData> {
  data: TData
  expiresAt: Date
  updatedAt: Date
}

export interface PgStoreEvents {
  /** The database answered again after a `disconnect`. */
  connect: []
  /** A call failed because the database is unreachable. */
  disconnect: [error: PgStoreError]
  /** A background prune finished. */
  prune: [result: PruneResult]
  /** A background task (prune, an idle pool client) failed. Logged with console.warn when unheard. */
  backgroundError: [error: PgStoreError]
}
