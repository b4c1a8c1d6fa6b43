import { PgStore, type PgStoreOptions } from '@pgstore/core'
import { type ConformanceFactory, DATABASE_URL, describeStoreConformance } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'

function direct(
  override?: () => Partial<PgStoreOptions> & { close?: () => Promise<void> },
): ConformanceFactory {
  return async (_db, options) => {
    const { close: closeExtra, ...extra } = override?.() ?? {}
    const store = new PgStore({ ...options, ...extra })
    return {
      set: (sid, data, ttl) => store.set(sid, data, { ttl }),
      get: (sid) => store.get(sid),
      touch: async (sid, _data, ttl) => {
        await store.touch(sid, { ttl })
      },
      destroy: (sid) => store.destroy(sid),
      close: async () => {
        await store.close()
        await closeExtra?.()
      },
    }
  }
}

describeStoreConformance('PgStore (node-postgres)', 'pg', direct())
describeStoreConformance('PgStore (PGlite)', 'pglite', direct())
describeStoreConformance(
  'PgStore (postgres.js)',
  'pg',
  direct(() => {
    const client = postgres(DATABASE_URL, { max: 4, onnotice: () => undefined })
    return { db: drizzle({ client }), close: () => client.end() }
  }),
)
