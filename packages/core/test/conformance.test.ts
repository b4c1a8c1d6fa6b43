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
// Two cases change rows with plain SQL and then read through the store, which a cache cannot see
// (documented: such writes show once an entry's maxAge passes); cache.test.ts covers hits and coherence.
const plainSqlWrite = 'it expires the row with plain SQL, which a read cache only sees after maxAge'
describeStoreConformance(
  'PgStore (node-postgres, read cache on)',
  'pg',
  direct(() => ({ cache: {} })),
  { optOut: { 'expiry-on-read': plainSqlWrite, 'touch-no-revival': plainSqlWrite } },
)
describeStoreConformance('PgStore (PGlite)', 'pglite', direct())
describeStoreConformance(
  'PgStore (postgres.js)',
  'pg',
  direct(() => {
    const client = postgres(DATABASE_URL, { max: 4, onnotice: () => undefined })
    return { db: drizzle({ client }), close: () => client.end() }
  }),
)
