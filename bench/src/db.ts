/**
 * The bench's own PostgreSQL database (`pgstore_bench` by default), so a run never touches a test schema and
 * its `pg_stat_database` counters see only bench traffic.
 */

import { readFile } from 'node:fs/promises'
import { createTableStatements, pgSessionTable } from '@pgstore/core'
import { getTableConfig } from 'drizzle-orm/pg-core'
import pg from 'pg'

export const ADMIN_URL = process.env.BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
export const BENCH_DB = process.env.BENCH_DATABASE || 'pgstore_bench'
export const BENCH_URL = process.env.BENCH_DATABASE_URL || ADMIN_URL.replace(/\/[^/]*$/, `/${BENCH_DB}`)
export const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379'
export const SCHEMA = 'bench'
/** Pool size every PostgreSQL variant gets. */
export const POOL_SIZE = 10

/** Tables: each variant its own, so a prune or a seed for one never weighs on another. */
export const TABLES = {
  express: pgSessionTable('express_sessions', { schema: SCHEMA }),
  expressPostgresjs: pgSessionTable('express_pgjs_sessions', { schema: SCHEMA }),
  expressCache: pgSessionTable('express_cache_sessions', { schema: SCHEMA }),
  expressAlone: pgSessionTable('express_alone_sessions', { schema: SCHEMA }),
  expressCache5: pgSessionTable('express_cache5_sessions', { schema: SCHEMA }),
  koa: pgSessionTable('koa_sessions', { schema: SCHEMA }),
  next: pgSessionTable('next_sessions', { schema: SCHEMA }),
  hono: pgSessionTable('hono_sessions', { schema: SCHEMA }),
  reactRouter: pgSessionTable('react_router_sessions', { schema: SCHEMA }),
  store: pgSessionTable('store_sessions', { schema: SCHEMA }),
  small: pgSessionTable('scale_1k', { schema: SCHEMA }),
  /** The smoke run's "large" table, so a smoke run never replaces the full run's million rows. */
  medium: pgSessionTable('scale_10k', { schema: SCHEMA }),
  large: pgSessionTable('scale_1m', { schema: SCHEMA }),
} as const
export type TableKey = keyof typeof TABLES
export const CPS_TABLE = 'cps_session'
export const CPS_STORE_TABLE = 'cps_store_session'
/** The table of the Koa app's plain one-query-per-call store. */
export const KOA_PLAIN_TABLE = 'koa_plain_sessions'

export async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  try {
    await client.connect()
  } catch (err) {
    throw new Error(
      `bench: PostgreSQL is not reachable (${(err as Error).message}). Start it or set BENCH_ADMIN_URL.`,
    )
  }
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Creates the bench database and every table, and empties the per-run tables. */
export async function prepareDatabase(): Promise<void> {
  await withClient(ADMIN_URL, async (c) => {
    const found = await c.query('select 1 from pg_database where datname = $1', [BENCH_DB])
    if (found.rowCount === 0) await c.query(`create database "${BENCH_DB}"`)
  })
  await withClient(BENCH_URL, async (c) => {
    for (const key of Object.keys(TABLES) as TableKey[]) {
      const name = tableName(key)
      for (const statement of createTableStatements({ schema: SCHEMA, name })) await c.query(statement)
      // A bench database from before the meta column gets it, as createTable: true would add it.
      await c.query(`alter table "${SCHEMA}"."${name}" add column if not exists "meta" jsonb`)
    }
    for (const name of [CPS_TABLE, CPS_STORE_TABLE]) {
      // connect-pg-simple's own table.sql, in our schema.
      await c.query(`create table if not exists "${SCHEMA}"."${name}" (
        "sid" varchar not null collate "default" primary key,
        "sess" json not null,
        "expire" timestamp(6) not null)`)
      await c.query(`create index if not exists "${name}_expire_idx" on "${SCHEMA}"."${name}" ("expire")`)
    }
    // The plain Koa store's, as its few lines would need: a key, the session, an expiry to sweep by.
    await c.query(`create table if not exists "${SCHEMA}"."${KOA_PLAIN_TABLE}" (
        "id" text primary key,
        "data" jsonb not null,
        "expiry" timestamptz not null)`)
    await c.query(
      `create index if not exists "${KOA_PLAIN_TABLE}_expiry_idx" on "${SCHEMA}"."${KOA_PLAIN_TABLE}" ("expiry")`,
    )
    const perRun = [
      'express_sessions',
      'express_pgjs_sessions',
      'express_cache_sessions',
      'express_alone_sessions',
      'express_cache5_sessions',
      'koa_sessions',
      'next_sessions',
      'hono_sessions',
      'react_router_sessions',
      'store_sessions',
      CPS_TABLE,
      CPS_STORE_TABLE,
      KOA_PLAIN_TABLE,
    ]
    await c.query(`truncate ${perRun.map((n) => `"${SCHEMA}"."${n}"`).join(', ')}`)
  })
}

export function tableName(key: TableKey): string {
  return getTableConfig(TABLES[key]).name
}

/** The session id the seeders give row `i`, so a worker can read the rows back by id. */
export const seededSid = (i: number) => `bench-seeded-session-${i}`

/**
 * Fills a pgstore table with `count` live rows (ids `seededSid(0..count-1)`) unless it already holds exactly
 * that many, since a million-row seed takes a while and the rows are never changed by readers.
 */
export async function seedLive(key: TableKey, count: number): Promise<{ seeded: boolean; ms: number }> {
  const t = `"${SCHEMA}"."${tableName(key)}"`
  return withClient(BENCH_URL, async (c) => {
    const start = performance.now()
    const have = await c.query<{ n: string }>(
      `select count(*) as n from ${t} where expires_at > now() + interval '1 day'`,
    )
    if (Number(have.rows[0]?.n) === count) return { seeded: false, ms: 0 }
    await c.query(`truncate ${t}`)
    await insertRows(c, t, 0, count, "now() + interval '3650 days'")
    await c.query(`vacuum analyze ${t}`)
    return { seeded: true, ms: performance.now() - start }
  })
}

/** Adds `count` already-expired rows for the prune scenario. */
export async function seedExpired(key: TableKey, count: number): Promise<void> {
  const t = `"${SCHEMA}"."${tableName(key)}"`
  await withClient(BENCH_URL, async (c) => {
    await insertRows(c, t, 10_000_000, count, "now() - interval '1 hour' - (i % 3600) * interval '1 second'")
    await c.query(`vacuum analyze ${t}`)
  })
}

async function insertRows(
  c: pg.Client,
  t: string,
  from: number,
  count: number,
  expires: string,
): Promise<void> {
  const chunk = 250_000
  for (let start = from; start < from + count; start += chunk) {
    const end = Math.min(from + count, start + chunk) - 1
    // The id column holds base64url(sha256(sid)), exactly what digestSessionId computes.
    await c.query(
      `insert into ${t} (id, data, user_id, expires_at)
       select translate(rtrim(encode(sha256(convert_to('bench-seeded-session-' || i, 'UTF8')), 'base64'), '='), '+/', '-_'),
              jsonb_build_object('userId', 'u' || i, 'n', i, 'cart', jsonb_build_array('sku-1', 'sku-2')),
              'u' || i, ${expires}
       from generate_series($1::int, $2::int) as i
       on conflict (id) do nothing`,
      [start, end],
    )
  }
}

/** The `application_name` of a bench process's connections. */
export const backendName = (pid: number) => `pgstore-bench-${pid}`

const TICK_MS = 10

/**
 * CPU time, in ms, the PostgreSQL backends of process `pid` have used (user plus system, from
 * /proc/<backend>/stat). NaN when the server is on another host or /proc is not readable.
 */
export async function backendCpuMs(c: pg.Client, pid: number): Promise<number> {
  const r = await c.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [
    backendName(pid),
  ])
  let ticks = 0
  for (const { pid: backend } of r.rows) {
    try {
      const stat = await readFile(`/proc/${backend}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      return Number.NaN
    }
  }
  return ticks * TICK_MS
}

/** Committed plus rolled-back transactions in the bench database, read from another database's session. */
export async function benchTransactions(): Promise<number> {
  return withClient(ADMIN_URL, async (c) => {
    const r = await c.query<{ n: string }>(
      'select xact_commit + xact_rollback as n from pg_stat_database where datname = $1',
      [BENCH_DB],
    )
    return Number(r.rows[0]?.n ?? 0)
  })
}

/** Waits until no backend is connected to the bench database, so every backend has flushed its stats. */
export async function waitForIdleDatabase(timeoutMs = 30_000): Promise<void> {
  await withClient(ADMIN_URL, async (c) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const r = await c.query<{ n: string }>(
        'select count(*) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [BENCH_DB],
      )
      if (Number(r.rows[0]?.n) === 0) return
      if (Date.now() > deadline) throw new Error('bench: backends of the bench database did not go away')
      await new Promise((r) => setTimeout(r, 50))
    }
  })
}
