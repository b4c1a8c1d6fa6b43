/**
 * @pgstore/fastify: a @fastify/session store on PostgreSQL, for Fastify 5.
 *
 * @example
 * ```ts
 * import fastifyCookie from '@fastify/cookie'
 * import fastifySession from '@fastify/session'
 * import { PgSessionStore, sessionDefaults } from '@pgstore/fastify'
 * import Fastify from 'fastify'
 *
 * const store = new PgSessionStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * const app = Fastify()
 * await app.register(fastifyCookie)
 * await app.register(fastifySession, sessionDefaults({ store, secret: [process.env.SESSION_SECRET] }))
 * ```
 */
export { isPgStoreError, PgStoreError, type PgStoreErrorCode } from '@pgstore/core'
export { type SessionDefaultsOptions, sessionDefaults } from './defaults'
export { PgSessionStore, type PgSessionStoreOptions } from './store'
