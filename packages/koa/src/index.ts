/**
 * @pgstore/koa: koa-session's external store on PostgreSQL, through @pgstore/core.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import session from 'koa-session'
 * import { pgSessionStore, sessionDefaults } from '@pgstore/koa'
 *
 * const app = new Koa()
 * app.keys = [process.env.SESSION_KEY!]
 * const store = pgSessionStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * app.use(session(sessionDefaults({ store, maxAge: 86_400_000, rolling: true }, app), app))
 * ```
 */
export { isPgStoreError, PgStoreError, type PgStoreErrorCode } from '@pgstore/core'
export { sessionDefaults } from './options'
export {
  type KoaContextLike,
  type KoaMaxAge,
  type KoaSessionData,
  type PgSessionStore,
  type PgSessionStoreOptions,
  pgSessionStore,
} from './store'
