/**
 * The store's connection: turns the three ways of naming a database (`db`, `pool`, `connectionString`) into
 * one Drizzle database on first use, creates the table when asked, prepares the hot statements, and
 * remembers whether pgstore created the pool, since `close()` ends only what pgstore created.
 *
 * `pg` is loaded only when a pool or connection string is given, so PGlite and postgres.js users do not need
 * it installed.
 */
import { PgStoreError } from '../errors'
import { AdminStatements } from '../sql/admin'
import { prepareBatchQueries } from '../sql/batch'
import { type AnyPgDatabase, primaryOf } from '../sql/database'
import { ensureTable } from '../sql/ddl'
import { StatementMode } from '../sql/direct'
import { type HotQueries, prepareHotQueries } from '../sql/hot'
import { coalesceHot } from './coalesced-hot'
import { emptyBatchStats } from './coalescer'
import type { StoreSettings } from './options'

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

/** Loads `pg` or drizzle's node-postgres driver; a test passes Node's `require` from another directory. */
export type ModuleLoader = (specifier: 'pg' | 'drizzle-orm/node-postgres') => Promise<unknown>

// Literal specifiers, so that each build (ESM, CJS) loads the driver the way its bundler resolved it.
const importModule: ModuleLoader = (specifier) =>
  specifier === 'pg' ? import('pg') : import('drizzle-orm/node-postgres')

type NewPool = new (c: object) => CreatedPool

/**
 * pg, then drizzle's node-postgres driver (which imports pg itself). pg is an optional peer dependency, so a
 * missing one is a configuration mistake with one remedy: INVALID_OPTIONS, not a failed query.
 * @throws PgStoreError `INVALID_OPTIONS` when pg is not installed
 */
async function loadNodePostgres(load: ModuleLoader) {
  try {
    const pg = (await load('pg')) as { default?: { Pool: NewPool }; Pool?: NewPool }
    const { drizzle } = (await load(
      'drizzle-orm/node-postgres',
    )) as typeof import('drizzle-orm/node-postgres')
    return { Pool: (pg.default?.Pool ?? pg.Pool) as NewPool, drizzle }
  } catch (err) {
    if (!isMissingPg(err)) throw err
    throw new PgStoreError(
      'INVALID_OPTIONS',
      'pgstore: connectionString and pool need the pg package, which is not installed. Install it (npm install pg), or pass db: a Drizzle database over another driver (PGlite, postgres.js).',
      { cause: err },
    )
  }
}

/** Node's error for `pg` not found: ERR_MODULE_NOT_FOUND from import(), MODULE_NOT_FOUND from require. */
function isMissingPg(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    /['"]pg['"]/.test(message)
  )
}

export async function resolveDatabase(
  source: DatabaseSource,
  onPoolError: (err: Error) => void,
  load: ModuleLoader = importModule,
): Promise<ResolvedDatabase> {
  if (source.db) {
    // drizzle(url) makes a pg.Pool with no 'error' listener; the same guard as for `pool` applies to it.
    const client = (source.db as { $client?: unknown }).$client
    if (isPoolLike(client)) guardPool(client, onPoolError)
    return { db: source.db }
  }
  const { Pool, drizzle } = await loadNodePostgres(load)
  if (source.pool) {
    guardPool(source.pool, onPoolError)
    return { db: drizzle({ client: source.pool as never }) }
  }
  const bound = source.statementTimeout ? boundStatements(source.statementTimeout, onPoolError) : undefined
  const pool = new Pool({
    connectionString: source.connectionString,
    max: source.poolSize ?? 10,
    connectionTimeoutMillis: source.connectTimeout ?? 5_000,
    onConnect: bound?.onConnect,
  })
  pool.on('error', onPoolError)
  if (bound) pool.on('connect', bound.onConnectEvent)
  return { db: drizzle({ client: pool as never }), ownPool: pool }
}

type PooledClient = { query: (text: string) => Promise<unknown> }

/**
 * statementTimeout as a `SET` on each new pooled connection, not as a startup parameter: PgBouncer refuses
 * any startup parameter it does not know (`08P01 unsupported startup parameter: statement_timeout`), and
 * then every call fails. It costs one extra round trip per new connection, none per call. Through a pooler
 * in transaction mode the SET lands on whichever server connection ran it and the others keep the server's
 * default: the server-side bound is then best effort, and queryTimeout (client side) still bounds every call.
 *
 * pg-pool 3.13 and later (pg 8.20+) await the `onConnect` hook before handing the client out, so the SET
 * finishes before the first statement and a failed SET fails that checkout. Older pools ignore the hook;
 * there the `connect` event queues the SET ahead of the first statement (pg 8.23 warns about a query on a
 * busy client, which is why the hook comes first). A client the hook saw is skipped by the event.
 */
function boundStatements(ms: number, onPoolError: (err: Error) => void) {
  const text = `SET statement_timeout = ${Math.round(ms)}`
  const seen = new WeakSet<PooledClient>()
  return {
    onConnect: async (client: PooledClient) => {
      seen.add(client)
      await client.query(text)
    },
    onConnectEvent: (client: PooledClient) => {
      if (!seen.has(client)) client.query(text).catch(onPoolError)
    },
  }
}

/** The pool pgstore creates: a PoolLike with pg.Pool's `connect` event. */
interface CreatedPool extends PoolLike {
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'connect', listener: (client: PooledClient) => void): unknown
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

/** What the store holds once connected. */
export interface Connected {
  hot: HotQueries
  admin: AdminStatements
  resolved: ResolvedDatabase
}

export interface ConnectionHooks {
  /** An idle pooled client failed (the server restarted, an admin killed the backend). */
  onPoolError(err: Error): void
  /** The store switched to unnamed statements for good: a pooler lost or doubled a named one (`err`). */
  onUnnamed(err: unknown): void
  /** Runs once the database is resolved and the table exists, before any statement (the cache's LISTEN). */
  ready(resolved: ResolvedDatabase, client: unknown): Promise<void>
}

/** Connects on first use; a failed attempt is forgotten, so the next call tries again. */
export class Connection {
  readonly #source: DatabaseSource & { createTable?: boolean }
  readonly #settings: StoreSettings
  readonly #hooks: ConnectionHooks
  readonly #notice: AdminStatements['notice']
  #connected: Connected | undefined
  #resolved: ResolvedDatabase | undefined
  #connecting: Promise<Connected> | undefined
  /** What coalescing did (zeros with `coalesce: false`). */
  readonly batchStats = emptyBatchStats()

  constructor(
    source: DatabaseSource & { createTable?: boolean },
    settings: StoreSettings,
    notice: AdminStatements['notice'],
    hooks: ConnectionHooks,
  ) {
    // statementTimeout defaults to queryTimeout, so a statement the caller gave up on is cancelled on the
    // server too, instead of holding a pool connection (and its locks) until it ends by itself.
    this.#source = { ...source, statementTimeout: source.statementTimeout ?? settings.queryTimeout }
    this.#settings = settings
    this.#notice = notice
    this.#hooks = hooks
  }

  /** The connected statements, without waiting when already connected. */
  get current(): Connected | undefined {
    return this.#connected
  }

  connect(): Promise<Connected> {
    if (this.#connected) return Promise.resolve(this.#connected)
    this.#connecting ??= this.#open().catch((err) => {
      this.#connecting = undefined
      throw err
    })
    return this.#connecting
  }

  /** Resolves once no connection attempt is in flight. */
  async settled(): Promise<void> {
    await this.#connecting?.catch(() => undefined)
  }

  /** Ends the pool if pgstore created it; a pool or db given to the store is the caller's. */
  async close(): Promise<void> {
    await this.#resolved?.ownPool?.end()
  }

  async #open(): Promise<Connected> {
    const { table, tableName, label } = this.#settings
    this.#resolved ??= await resolveDatabase(this.#source, this.#hooks.onPoolError)
    const resolved = this.#resolved
    const { db } = resolved
    // Every single-key statement, the DDL and the cache's LISTEN go to the primary; listings may lag on a
    // replica (see primaryOf).
    const primary = primaryOf(db)
    if (this.#source.createTable) await ensureTable(primary, tableName)
    const client = resolved.ownPool ?? this.#source.pool ?? (primary as { $client?: unknown }).$client
    await this.#hooks.ready(resolved, client)
    const hotOptions = {
      qualifiedName: label,
      notice: this.#notice,
      lifetime: this.#settings.lifetime,
      mode: new StatementMode(this.#settings.preparedStatements, this.#hooks.onUnnamed),
    }
    const hot = prepareHotQueries(primary, table, hotOptions)
    this.#connected = {
      hot: this.#settings.coalesce
        ? coalesceHot(
            hot,
            prepareBatchQueries(primary, table, hotOptions),
            this.batchStats,
            this.#settings.queryTimeout,
          )
        : hot,
      admin: new AdminStatements(db, table, this.#notice),
      resolved,
    }
    return this.#connected
  }
}
