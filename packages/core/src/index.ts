/**
 * @pgstore/core: PostgreSQL-backed HTTP sessions on Drizzle ORM, framework-free.
 *
 * @example
 * ```ts
 * import { PgStore, sessions } from '@pgstore/core'
 * import { drizzle } from 'drizzle-orm/node-postgres'
 *
 * const store = new PgStore({ db: drizzle(process.env.DATABASE_URL!), table: sessions })
 * await store.set(sid, { cart: [] })
 * ```
 */

export type { CacheOptions } from './cache'
export {
  assertSecrets,
  isSessionId,
  newSessionId,
  signCookieValue,
  unsignCookieValue,
} from './cookie'
export { DataCipher, digestSessionId, type EncryptionOptions } from './crypto'
export type { AnyPgDatabase, PoolLike } from './db'
export { createTableStatements } from './ddl'
export { isPgStoreError, PgStoreError, type PgStoreErrorCode } from './errors'
export type { PruneOptions, PruneResult } from './prune'
export {
  createHeaderCookieJar,
  createRequestSessions,
  type HeaderCookieJar,
  parseCookieHeader,
  type RequestSessionOptions,
  type RequestSessions,
  SESSION_META_KEY,
  Session,
  type SessionCookieAttributes,
  type SessionCookieJar,
  type SessionCookieOptions,
  serializeSetCookie,
} from './request'
export { pgSessionTable, type SessionTable, type SessionTableOptions, sessions } from './schema'
export { MAX_DEPTH, serializeSession } from './serialize'
export {
  createPgStore,
  type ExpiryOptions,
  PgStore,
  type PgStoreEvents,
  type PgStoreOptions,
  type SessionData,
  type SessionEntry,
  type SessionRecord,
} from './store'
