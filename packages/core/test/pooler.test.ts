/**
 * The store through PgBouncer 1.18 (scripts/ensure-services.sh): session mode on 6432 and transaction mode
 * on 6433, which has no prepared statements. The conformance suite runs with the documented options, and
 * the defaults are shown to work under concurrent calls from several connections, where named statements
 * would collide; the calls there coalesce into shared statements, named and unnamed.
 */
import { randomBytes } from 'node:crypto'
import { PgStore, type PgStoreError, type PgStoreOptions } from '@pgstore/core'
import {
  assertPgBouncerReachable,
  type ConformanceFactory,
  describeStoreConformance,
  PGBOUNCER_SESSION_URL,
  PGBOUNCER_TRANSACTION_URL,
  pgStoreTarget,
  useTestDatabase,
} from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/postgres-js'
import pg from 'pg'
import postgres from 'postgres'
import { beforeAll, describe, expect, it } from 'vitest'

beforeAll(async () => {
  await assertPgBouncerReachable(PGBOUNCER_SESSION_URL)
  await assertPgBouncerReachable(PGBOUNCER_TRANSACTION_URL)
})

type Extra = Partial<PgStoreOptions> & { close?: () => Promise<void> }
function through(extra: () => Extra): ConformanceFactory {
  return async (_db, options) => {
    const { close, ...own } = extra()
    return pgStoreTarget(new PgStore({ ...options, db: undefined, ...own }), close)
  }
}
const nodePool = (url: string): Extra => {
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  return { pool, close: () => pool.end() }
}
const postgresJs = (url: string, prepare: boolean): Extra => {
  const client = postgres(url, { max: 4, prepare, onnotice: () => undefined })
  return { db: drizzle({ client }), close: () => client.end() }
}

const session = PGBOUNCER_SESSION_URL
const transaction = PGBOUNCER_TRANSACTION_URL
describeStoreConformance(
  'PgBouncer session mode (connectionString)',
  'pg',
  through(() => ({ connectionString: session })),
)
describeStoreConformance(
  'PgBouncer session mode (pool)',
  'pg',
  through(() => nodePool(session)),
)
describeStoreConformance(
  'PgBouncer session mode (postgres.js)',
  'pg',
  through(() => postgresJs(session, true)),
)
describeStoreConformance(
  'PgBouncer transaction mode (connectionString, preparedStatements: false)',
  'pg',
  through(() => ({ connectionString: transaction, preparedStatements: false })),
)
describeStoreConformance(
  'PgBouncer transaction mode (pool, preparedStatements: false)',
  'pg',
  through(() => ({ ...nodePool(transaction), preparedStatements: false })),
)
describeStoreConformance(
  'PgBouncer transaction mode (postgres.js, prepare: false)',
  'pg',
  through(() => postgresJs(transaction, false)),
)

const newSid = () => randomBytes(32).toString('base64url')

describe.each([
  ['session', session, 0],
  ['transaction', transaction, 1],
] as const)('default options through PgBouncer %s mode', (_mode, url, switches) => {
  const db = useTestDatabase('pg', { createTable: true })

  it(`serves concurrent calls from several connections; reports ${switches} switch to unnamed statements`, async () => {
    const store = new PgStore({ connectionString: url, table: db.table, poolSize: 8 })
    const reports: PgStoreError[] = []
    store.on('backgroundError', (err) => reports.push(err))
    try {
      const sids = Array.from({ length: 200 }, newSid)
      await Promise.all(sids.map((sid, n) => store.set(sid, { n })))
      const read = await Promise.all(sids.map((sid) => store.get(sid)))
      expect(read).toEqual(sids.map((_sid, n) => ({ n })))
      await Promise.all(sids.slice(0, 100).map((sid) => store.destroy(sid)))
      const after = await Promise.all(sids.map((sid) => store.get(sid)))
      expect(after.filter((x) => x === null)).toHaveLength(100)
      // 200 calls at once while a statement is in flight: most went coalesced, named or not.
      expect(store.batchStats.largest).toBeGreaterThan(1)
      expect(store.batchStats.statements).toBeLessThan(store.batchStats.calls)
      // Coalesced, the 600 calls made only a few statements, which may all have found the server
      // connection that prepared them: a switch is allowed here, and forced below.
      expect(reports.length).toBeLessThanOrEqual(switches)
      for (const report of reports) expect(report.message).toContain('unnamed statements')
      expect(store.healthy).toBe(true)
    } finally {
      await store.close()
    }
  })
})

describe('named statements through PgBouncer transaction mode', () => {
  const db = useTestDatabase('pg', { createTable: true })
  const url = transaction

  it('switches to unnamed statements once when named ones collide, and every call still answers', async () => {
    // One statement per call (coalesce: false), so named statements meet server connections that did
    // not prepare them (26000) or did already (42P05); the store switches once and retries. With 19 of
    // PgBouncer's 20 server connections held in open transactions, the store's 8 clients share the last
    // one, so the second client to prepare a statement always finds it there.
    const holders = Array.from({ length: 19 }, () => new pg.Client({ connectionString: url }))
    for (const holder of holders) {
      await holder.connect()
      await holder.query('begin')
      await holder.query('select 1')
    }
    const store = new PgStore({ connectionString: url, table: db.table, poolSize: 8, coalesce: false })
    const reports: PgStoreError[] = []
    store.on('backgroundError', (err) => reports.push(err))
    try {
      const sids = Array.from({ length: 200 }, newSid)
      await Promise.all(sids.map((sid, n) => store.set(sid, { n })))
      expect(await Promise.all(sids.map((sid) => store.get(sid)))).toEqual(sids.map((_sid, n) => ({ n })))
      expect(reports.map((e) => e.message.includes('unnamed statements'))).toEqual([true])
      expect(store.healthy).toBe(true)
    } finally {
      await store.close()
      await Promise.all(holders.map((holder) => holder.end()))
    }
  })
})
