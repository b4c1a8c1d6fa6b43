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

/** What a touch takes: when it should expire, and the data the request holds (to fill a missing user id). */
export interface TouchOptions<TData extends object = SessionData> extends ExpiryOptions {
  data?: TData
}

/** A live row as listing methods return it. */
export interface SessionEntry<TData extends object = SessionData> {
  /** SHA-256 digest of the session id: an opaque handle (for `destroyByDigest`), not a usable id. */
  digest: string
  data: TData
  userId: string | null
  createdAt: Date
  updatedAt: Date
  expiresAt: Date
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
