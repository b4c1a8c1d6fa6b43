/**
 * @pgstore/core: PostgreSQL-backed HTTP sessions on Drizzle ORM, framework-free. Request sessions for
 * frameworks live in `@pgstore/core/web`; what adapters share, in `@pgstore/core/adapter`.
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

export type { CacheOptions } from './cache/lru'
export { DataCipher, digestSessionId, type EncryptionOptions } from './crypto'
export { isPgStoreError, PgStoreCause, PgStoreError, type PgStoreErrorCode } from './errors'
export { pgSessionTable, type SessionTable, type SessionTableOptions, sessions } from './schema'
export { assertSecrets, isSessionId, newSessionId, signCookieValue, unsignCookieValue } from './signing'
export type { AnyPgDatabase } from './sql/database'
export { createTableStatements } from './sql/ddl'
export type { PruneOptions, PruneResult } from './sql/prune'
export type { BatchStats } from './store/coalescer'
export type { PoolLike } from './store/connection'
export type { PgStoreOptions } from './store/options'
export { createPgStore, PgStore } from './store/pg-store'
export { MAX_DEPTH, serializeSession } from './store/serialize'
export type {
  CreateOptions,
  ExpiryOptions,
  PgStoreEvents,
  SessionData,
  SessionEntry,
  SessionMeta,
  SessionRecord,
  TouchOptions,
} from './store/types'
