/**
 * @pgstore/express: an express-session store on PostgreSQL, a drop-in replacement for connect-pg-simple.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import session from 'express-session'
 * import { PgSessionStore, sessionDefaults } from '@pgstore/express'
 *
 * const store = new PgSessionStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * const app = express()
 * app.use(session(sessionDefaults({ store, secret: [process.env.SESSION_SECRET!] })))
 * ```
 */
export { isPgStoreError, PgStoreError, type PgStoreErrorCode } from '@pgstore/core'
export { genid, type SessionDefaultsOptions, sessionDefaults } from './defaults'
export { type ImportConnectPgSimpleOptions, type ImportResult, importConnectPgSimple } from './import'
export { PgSessionStore, type PgSessionStoreOptions } from './store'
