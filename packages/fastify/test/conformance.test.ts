import { type ConformanceFactory, describeStoreConformance } from '@pgstore/testing'
import type { Session } from 'fastify'
import { PgSessionStore, type PgSessionStoreOptions } from '../src'

/** The suite's contract, through @fastify/session's: expiry travels as `cookie.expires`, as in an app. */
const throughAdapter: ConformanceFactory = async (_db, options) => {
  const store = new PgSessionStore(options as PgSessionStoreOptions)
  const withCookie = (data: Record<string, unknown>, ttl?: number) =>
    ({
      ...data,
      cookie:
        ttl === undefined ? { expires: null } : { expires: new Date(Date.now() + ttl), originalMaxAge: ttl },
    }) as unknown as Session
  const call = <T>(run: (done: (err?: unknown, value?: T) => void) => void) =>
    new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))))
  return {
    set: (sid, data, ttl) => call((done) => store.set(sid, withCookie(data, ttl), done)),
    get: (sid) =>
      call<Session | null>((done) => store.get(sid, done)) as Promise<Record<string, unknown> | null>,
    touch: (sid, data, ttl) => call((done) => store.touch(sid, withCookie(data, ttl), done)),
    destroy: (sid) => call((done) => store.destroy(sid, done)),
    close: () => store.close(),
  }
}

describeStoreConformance('PgSessionStore', 'pg', throughAdapter)
describeStoreConformance('PgSessionStore', 'pglite', throughAdapter)
