/**
 * Turns the three ways of naming a database (`db`, `pool`, `connectionString`) into one Drizzle database,
 * and remembers whether pgstore created the pool, since `close()` ends only what pgstore created.
 *
 * `pg` is loaded only when a pool or connection string is given, so PGlite and postgres.js users do not need
 * it installed.
 */
import type { PgDatabase } from 'drizzle-orm/pg-core'
import { PgStoreError } from './errors'

/** Any Drizzle PostgreSQL database: node-postgres, PGlite, postgres.js, Neon. */
export type AnyPgDatabase = PgDatabase<any, any, any>

/** The part of `pg.Pool` pgstore uses. */
export interface PoolLike {
  query: (...args: any[]) => any
  connect: (...args: any[]) => any
  end: () => Promise<void>
  on: (event: 'error', listener: (err: Error) => void) => unknown
  listenerCount: (event: 'error') => number
}

export interface DatabaseSource {
  db?: AnyPgDatabase
  pool?: PoolLike
  connectionString?: string
  poolSize?: number
  statementTimeout?: number
  connectTimeout?: number
}

export interface ResolvedDatabase {
  db: AnyPgDatabase
  /** Set only when pgstore created the pool. */
  ownPool?: PoolLike
}

export function assertOneSource(source: DatabaseSource): void {
  const given = [source.db, source.pool, source.connectionString].filter((x) => x !== undefined).length
  if (given !== 1) {
    throw new PgStoreError('INVALID_OPTIONS', 'pgstore: give exactly one of db, pool or connectionString.')
  }
}

export async function resolveDatabase(
  source: DatabaseSource,
  onPoolError: (err: Error) => void,
): Promise<ResolvedDatabase> {
  if (source.db) {
    // drizzle(url) makes a pg.Pool with no 'error' listener; the same guard as for `pool` applies to it.
    const client = (source.db as { $client?: unknown }).$client
    if (isPoolLike(client)) guardPool(client, onPoolError)
    return { db: source.db }
  }
  const { drizzle } = await import('drizzle-orm/node-postgres')
  if (source.pool) {
    guardPool(source.pool, onPoolError)
    return { db: drizzle({ client: source.pool as never }) }
  }
  const pg = (await import('pg')) as unknown as {
    default?: { Pool: new (c: object) => PoolLike }
    Pool?: never
  }
  const Pool = pg.default?.Pool ?? (pg as unknown as { Pool: new (c: object) => PoolLike }).Pool
  const pool = new Pool({
    connectionString: source.connectionString,
    max: source.poolSize ?? 10,
    connectionTimeoutMillis: source.connectTimeout ?? 5_000,
    ...(source.statementTimeout ? { statement_timeout: source.statementTimeout } : {}),
  })
  pool.on('error', onPoolError)
  return { db: drizzle({ client: pool as never }), ownPool: pool }
}

function isPoolLike(client: unknown): client is PoolLike {
  const c = client as Partial<PoolLike> | null | undefined
  return (
    typeof c?.on === 'function' && typeof c.listenerCount === 'function' && typeof c.connect === 'function'
  )
}

/**
 * An idle client's error (the server restarted, an admin killed the backend) is emitted on the pool; with
 * no listener Node would crash the process. An app's own listener is left alone.
 */
function guardPool(pool: PoolLike, onPoolError: (err: Error) => void): void {
  if (pool.listenerCount('error') === 0) pool.on('error', onPoolError)
}

/** Rows from `db.execute`, whose shape differs by driver (`{ rows }` or an array). */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}
