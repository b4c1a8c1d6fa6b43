/**
 * @pgstore/koa: koa-session's external store on PostgreSQL, through @pgstore/core.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import session from 'koa-session'
 * import { pgSessionStore, secureSessionOptions } from '@pgstore/koa'
 *
 * const app = new Koa()
 * app.keys = [process.env.SESSION_KEY!]
 * const store = pgSessionStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * app.use(session({ ...secureSessionOptions(), store, maxAge: 86_400_000, rolling: true }, app))
 * ```
 */
export { type SecureSessionOptions, secureSessionOptions } from './options'
export {
  type KoaMaxAge,
  type KoaSessionData,
  type PgSessionStore,
  type PgSessionStoreOptions,
  pgSessionStore,
} from './store'
