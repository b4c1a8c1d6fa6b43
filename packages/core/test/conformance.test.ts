import { PgStore, type PgStoreOptions } from '@pgstore/core'
import {
  type ConformanceFactory,
  DATABASE_URL,
  describeStoreConformance,
  pgStoreTarget,
} from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'

function direct(
  override?: () => Partial<PgStoreOptions> & { close?: () => Promise<void> },
): ConformanceFactory {
  return async (_db, options) => {
    const { close: closeExtra, ...extra } = override?.() ?? {}
    return pgStoreTarget(new PgStore({ ...options, ...extra }), closeExtra)
  }
}

describeStoreConformance('PgStore (node-postgres)', 'pg', direct())
// The suite's probes change rows with plain SQL, which a cache cannot see (documented: such writes show
// once an entry's maxAge passes). With maxAge 1 ms and every get made in a later millisecond than the call
// before it, no entry outlives a probe (a probe's round trip can finish inside the millisecond of the write
// it follows), so this run proves the cache's notifying write statements keep the store contract;
// cache.test.ts covers hits and coherence.
describeStoreConformance('PgStore (node-postgres, read cache on)', 'pg', async (_db, options) => {
  const target = pgStoreTarget(new PgStore({ ...options, cache: { maxAge: 1 } }))
  return {
    ...target,
    get: async (sid) => {
      const called = Date.now()
      while (Date.now() <= called) await new Promise((r) => setImmediate(r))
      return target.get(sid)
    },
  }
})
describeStoreConformance('PgStore (PGlite)', 'pglite', direct())
describeStoreConformance(
  'PgStore (postgres.js)',
  'pg',
  direct(() => {
    const client = postgres(DATABASE_URL, { max: 4, onnotice: () => undefined })
    return { db: drizzle({ client }), close: () => client.end() }
  }),
)
