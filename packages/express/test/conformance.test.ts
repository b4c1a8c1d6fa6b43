import { type ConformanceFactory, describeStoreConformance } from '@pgstore/testing'
import type { SessionData } from 'express-session'
import { PgSessionStore, type PgSessionStoreOptions } from '../src'

/** The suite's contract, through express-session's: expiry travels as `cookie.expires`, as it does in an app. */
const throughAdapter: ConformanceFactory = async (_db, options) => {
  const store = new PgSessionStore(options as PgSessionStoreOptions)
  const withCookie = (data: Record<string, unknown>, ttl?: number) =>
    ({
      ...data,
      cookie:
        ttl === undefined ? { expires: null } : { expires: new Date(Date.now() + ttl), originalMaxAge: ttl },
    }) as unknown as SessionData
  return {
    set: (sid, data, ttl) => store.set(sid, withCookie(data, ttl)),
    get: (sid) => store.get(sid) as Promise<Record<string, unknown> | null>,
    touch: (sid, data, ttl) => store.touch(sid, withCookie(data, ttl)),
    destroy: (sid) => store.destroy(sid),
    close: () => store.close(),
  }
}

describeStoreConformance('PgSessionStore', 'pg', throughAdapter)
describeStoreConformance('PgSessionStore', 'pglite', throughAdapter)
