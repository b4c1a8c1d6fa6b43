/**
 * What every HTTP app child shares: the pg pool every PostgreSQL variant gets, the statement counter, and
 * the `stats` / `prune` requests the orchestrator sends.
 */
import { PgStore } from '@pgstore/core'
import pg from 'pg'
import { peakRssMb } from '../child'
import { countStatements, statementCount } from '../count'
import { BENCH_URL, POOL_SIZE, TABLES, type TableKey } from '../db'

countStatements()

export const SECRET = 'bench-secret-that-is-at-least-32-characters-long'
export const MAX_AGE = 86_400_000

export function createPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: BENCH_URL, max: POOL_SIZE })
  pool.on('error', () => undefined)
  return pool
}

export interface AppStats {
  statements: number
  peakRssMb: number
}

export function stats(): AppStats {
  return { statements: statementCount(), peakRssMb: peakRssMb() }
}

/**
 * Sweeps the table's expired rows with core's `prune()`, as the background timer would, inside the app
 * process that serves the live traffic.
 */
export async function pruneTable(
  pool: pg.Pool,
  key: TableKey,
): Promise<{ ms: number; deleted: number; batches: number }> {
  const store = new PgStore({ pool, table: TABLES[key], prune: false })
  const start = performance.now()
  const result = await store.prune()
  const ms = performance.now() - start
  await store.close()
  return { ms, deleted: result.deleted, batches: result.batches }
}
