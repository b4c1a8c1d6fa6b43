/**
 * Every option of a store, its default and its validation, in one place: the store, the cache and the
 * adapters resolve options through here.
 *
 * @example
 * ```ts
 * const settings = resolveStoreOptions({ connectionString, ttl: 3_600_000 })
 * settings.touchAfter // 60_000
 * ```
 */
import { getTableConfig } from 'drizzle-orm/pg-core'
import type { CacheOptions } from '../cache/lru'
import type { EncryptionOptions } from '../crypto'
import { PgStoreError } from '../errors'
import { assertIdentifier, type SessionTable, sessions } from '../schema'
import type { AnyPgDatabase } from '../sql/database'
import { qualified, type TableName } from '../sql/ddl'
import { PRUNE_DEFAULTS, type PruneOptions } from '../sql/prune'
import type { PoolLike } from './connection'
import { shortLivedRuntime } from './runtime'
import { assertDatabaseSource } from './source'
import type { SessionData } from './types'

export interface PgStoreOptions<TData extends object = SessionData> {
  /** Any Drizzle PostgreSQL database (node-postgres, PGlite, postgres.js). pgstore never closes it. */
  db?: AnyPgDatabase
  /** A `pg.Pool`. pgstore never ends it. */
  pool?: PoolLike
  /** A connection string; pgstore creates a `pg.Pool` for it and ends it on `close()`. */
  connectionString?: string
  /**
   * Size of the pool created for `connectionString`.
   * @default 10
   */
  poolSize?: number
  /**
   * The session table, from {@link pgSessionTable}.
   * @default sessions (`http_sessions`, in the first schema of the connection's search_path)
   */
  table?: SessionTable
  /**
   * Lifetime of a session written without an explicit expiry, in ms.
   * @default 86_400_000 (one day)
   */
  ttl?: number
  /**
   * Absolute lifetime of a session from its creation, in ms: however often it is read, touched or saved,
   * after this it is gone and the next request is anonymous (OWASP's absolute timeout, beside the idle one
   * that `ttl` and touches give). Enforced in SQL from `created_at`, so every instance agrees. At most 400
   * days, the longest a browser keeps a cookie.
   * @default 2_592_000_000 (30 days)
   */
  lifetime?: number
  /**
   * A touch less than this many ms after the session's last write writes nothing. It is capped at half the
   * lifetime the touch asks for (less its `margin`), so a short-lived session still moves. 0 writes on
   * every touch.
   * @default 60_000
   */
  touchAfter?: number
  /**
   * Create the table (and its schema and indexes) when it is missing. Idempotent and safe when many
   * processes start at once; works for a role without CREATE when the table exists.
   * @default false
   */
  createTable?: boolean
  /**
   * Largest serialised session accepted, in bytes of JSON (before encryption). Larger writes are refused
   * with `SESSION_TOO_LARGE` and nothing is written.
   * @default 65_536
   */
  maxBytes?: number
  /** Fills the `user_id` column from the data, for `listByUser` and `destroyByUser`. */
  userId?: (data: TData) => string | number | null | undefined
  /**
   * The most live sessions one user may have. A write that gives a user one more (a `create` with a user
   * id, a `set` with one) then deletes that user's oldest sessions (by `created_at`) beyond this, announced
   * to every cache like any deletion: one more statement, on the `user_id` index, only on those writes.
   * `update` and `touch` never trim, since they do not know the user id the row had: log in with
   * `regenerate`, which creates. Not a lock: between a write and its trim the user has one session more,
   * so two logins at once may leave cap+1 briefly; their trims agree on which are newest, and once the
   * last has run exactly the newest `maxSessionsPerUser` remain. A trim that fails is a `backgroundError`
   * (the write stands), and the next login trims again. Needs `userId`.
   * @default no limit
   */
  maxSessionsPerUser?: number
  /** AES-256-GCM of the stored data. @default off */
  encryption?: EncryptionOptions
  /**
   * Background removal of expired rows, or `false` to run `prune()` yourself (from a cron job, say). In a
   * short-lived runtime (a serverless function or edge isolate: `AWS_LAMBDA_FUNCTION_NAME`, `VERCEL`,
   * `NETLIFY`, `FUNCTION_TARGET`, `K_SERVICE`, `FUNCTIONS_WORKER_RUNTIME` or `DENO_DEPLOYMENT_ID` set, or an
   * edge runtime) `interval` defaults to 0, so no timer runs there: schedule `prune()`. An `interval` given
   * explicitly is always honoured. The timer is unref'd either way and never keeps a process alive.
   * @default { interval: 300_000 (0 in a short-lived runtime), jitter: 0.2, batchSize: 1000, batchPause: 5 }
   */
  prune?: PruneOptions | false
  /**
   * Longest wait for any one store call, in ms, after which it fails with `TIMEOUT`. 0 waits forever.
   * @default 10_000
   */
  queryTimeout?: number
  /**
   * Server-side `statement_timeout` for the pool created from `connectionString`, in ms.
   * @default queryTimeout
   */
  statementTimeout?: number
  /**
   * Send the hot statements as named prepared statements (parsed and planned once per connection). Set
   * `false` behind a pooler in transaction mode that has no prepared statements (PgBouncer before 1.21 or
   * with `max_prepared_statements = 0`, Supavisor on 6543): each call then parses its statement. Left on,
   * the store switches to unnamed statements by itself on the first `42P05`/`26000` such a pooler causes,
   * retries that call once and reports the switch once as a `backgroundError`. node-postgres only; for
   * postgres.js set `prepare: false` on the client.
   * @default true
   */
  preparedStatements?: boolean
  /**
   * Coalesce concurrent hot calls (get, set, create, update, touch, destroy): a call goes out at once
   * while no statement of its kind (reads or writes) is in flight; calls that come while one is in flight
   * join the next one, sent as one statement of up to 256 calls when it comes back, or at once as a second
   * statement in flight when it has 8 calls. Each call keeps its own answer, error and timeout; calls for
   * one session keep their order. `false` sends every call alone.
   * @default true
   */
  coalesce?: boolean
  /**
   * Longest wait for a connection from the pool created from `connectionString`, in ms.
   * @default 5_000
   */
  connectTimeout?: number
  /**
   * An in-process read cache, or `false`. A hit sends no query. Every write made by a cached store
   * notifies the other instances (LISTEN/NOTIFY on a dedicated connection), which drop their copy; while
   * that connection is down every read goes to the database. Writes made outside pgstore (plain SQL) are
   * not seen until `maxAge` passes. Cached data sits in process memory in plaintext, even with
   * `encryption` on. Needs node-postgres (`pool`, `connectionString`, or a `db` over a `pg.Pool`) or PGlite.
   * @default false
   */
  cache?: CacheOptions | false
  /**
   * Where the cache's listener connects (one connection of its own), when `connectionString` or `pool`
   * go through a pooler in transaction mode, where LISTEN hears nothing: a direct or session-mode
   * endpoint of the same database. At each start the listener checks that it receives its own NOTIFY
   * (waiting at most 2 s); when it does not, the cache is bypassed (every read goes to the database) and
   * a `backgroundError` (`INVALID_OPTIONS`) says so.
   * @default the store's own connection
   */
  listenConnectionString?: string
}

/** Options as the store uses them: every default filled in, every value checked. */
export interface StoreSettings {
  table: SessionTable
  tableName: TableName
  /** The qualified table name, for messages and names derived from it. */
  label: string
  ttl: number
  lifetime: number
  touchAfter: number
  maxBytes: number
  queryTimeout: number
  /** Named hot statements at start (see `preparedStatements`). */
  preparedStatements: boolean
  /** Coalesce concurrent hot calls (see `coalesce`). */
  coalesce: boolean
  /** Undefined: no limit. */
  maxSessionsPerUser: number | undefined
  prune: Required<PruneOptions> | false
  cache: Required<CacheOptions> | false
}

/** The longest a session may live, in ms: 400 days, the cap browsers put on a cookie's lifetime. */
export const MAX_LIFETIME = 400 * 86_400_000

export const STORE_DEFAULTS = {
  ttl: 86_400_000,
  lifetime: 30 * 86_400_000,
  touchAfter: 60_000,
  maxBytes: 65_536,
  queryTimeout: 10_000,
  cache: { max: 10_000, maxAge: 30_000 },
} as const

/** @throws PgStoreError `INVALID_OPTIONS`, saying which option and what it takes */
export function resolveStoreOptions(options: PgStoreOptions<any>): StoreSettings {
  assertDatabaseSource(options)
  assertKeyEntries(options.encryption)
  const table = options.table ?? sessions
  const config = getTableConfig(table)
  const tableName = { schema: config.schema, name: config.name }
  if (config.schema !== undefined) assertIdentifier('schema', config.schema)
  assertIdentifier('table', config.name)
  const cache = options.cache
  return {
    table,
    tableName,
    label: qualified(tableName),
    ttl: atMostMaxLifetime('ttl', positiveNumber('ttl', options.ttl, STORE_DEFAULTS.ttl)),
    lifetime: atMostMaxLifetime(
      'lifetime',
      positiveNumber('lifetime', options.lifetime, STORE_DEFAULTS.lifetime),
    ),
    touchAfter: positiveNumber('touchAfter', options.touchAfter, STORE_DEFAULTS.touchAfter, true),
    maxBytes: positiveNumber('maxBytes', options.maxBytes, STORE_DEFAULTS.maxBytes),
    queryTimeout: positiveNumber('queryTimeout', options.queryTimeout, STORE_DEFAULTS.queryTimeout, true),
    preparedStatements: flag('preparedStatements', options.preparedStatements),
    coalesce: flag('coalesce', options.coalesce),
    maxSessionsPerUser: sessionCap(options),
    prune: options.prune === false ? false : pruneSettings(options.prune),
    cache: cache
      ? {
          max: positiveNumber('cache.max', cache.max, STORE_DEFAULTS.cache.max),
          maxAge: positiveNumber('cache.maxAge', cache.maxAge, STORE_DEFAULTS.cache.maxAge),
        }
      : false,
  }
}

/**
 * The prune settings, defaults filled in. Where the runtime is short-lived no timer runs unless an
 * `interval` is given (see store/runtime.ts).
 */
function pruneSettings(given: PruneOptions | undefined): Required<PruneOptions> {
  const interval = given?.interval ?? (shortLivedRuntime() ? 0 : PRUNE_DEFAULTS.interval)
  return { ...PRUNE_DEFAULTS, ...given, interval }
}

/** A boolean option that defaults to true. @throws PgStoreError `INVALID_OPTIONS` unless absent or a boolean */
function flag(name: string, value: unknown): boolean {
  if (value === undefined) return true
  if (typeof value !== 'boolean') {
    throw new PgStoreError('INVALID_OPTIONS', `pgstore: ${name} must be true or false.`)
  }
  return value
}

/** @throws PgStoreError `INVALID_OPTIONS` unless absent, or a positive integer with `userId` set */
function sessionCap(options: PgStoreOptions<any>): number | undefined {
  const cap = options.maxSessionsPerUser
  if (cap === undefined) return undefined
  if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 1) {
    throw new PgStoreError('INVALID_OPTIONS', 'pgstore: maxSessionsPerUser must be a positive integer.')
  }
  if (typeof options.userId !== 'function') {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      "pgstore: maxSessionsPerUser needs the userId option (data => the user's id): sessions are counted by user_id.",
    )
  }
  return cap
}

/**
 * Each entry of `encryption.keys` set, checked before the cipher derives keys from them: a key read from an
 * unset environment variable is `undefined`, which would fail inside the key derivation with a TypeError.
 * The length rule is the cipher's (crypto.ts). Messages name the position, never a key.
 * @throws PgStoreError `INVALID_OPTIONS`
 */
function assertKeyEntries(encryption: EncryptionOptions | undefined): void {
  const keys = (encryption as { keys?: unknown } | undefined)?.keys
  if (encryption === undefined || !Array.isArray(keys)) return
  keys.forEach((key: unknown, i) => {
    if ((typeof key === 'string' && key !== '') || key instanceof Uint8Array) return
    const what = key === undefined || key === null || key === '' ? 'is not set' : `is a ${typeof key}`
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: encryption.keys[${i}] ${what}. Every key must be a string of at least 32 characters or 32 bytes; when a key comes from the environment, set the variable (a retired key must stay listed until its sessions expire).`,
    )
  })
}

/**
 * `value`, or `fallback` when it is undefined.
 * @throws PgStoreError `INVALID_OPTIONS` unless it is a finite number above 0 (or 0 itself, with `zeroOk`)
 */
export function positiveNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  zeroOk = false,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: ${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number.`,
    )
  }
  return value
}

function atMostMaxLifetime(name: string, ms: number): number {
  if (ms > MAX_LIFETIME) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: ${name} must be at most 400 days (${MAX_LIFETIME} ms), the longest a browser keeps a cookie.`,
    )
  }
  return ms
}

/** Longest session id accepted; longer ids are no session. */
export const MAX_ID_LENGTH = 512

/** True for a string a store can hold as a session id. */
export function acceptableId(sid: unknown): sid is string {
  return typeof sid === 'string' && sid.length > 0 && sid.length <= MAX_ID_LENGTH
}

/** @throws PgStoreError `INVALID_SESSION_ID` */
export function assertId(sid: unknown): asserts sid is string {
  if (!acceptableId(sid)) {
    throw new PgStoreError(
      'INVALID_SESSION_ID',
      `pgstore: a session id must be a non-empty string of at most ${MAX_ID_LENGTH} characters.`,
    )
  }
}

/**
 * When a write with `options` expires, in epoch ms: `expiresAt`, else now plus `ttl`, else the store's;
 * never more than 400 days from now (browsers cap cookies there too).
 */
export function expiryOf(
  options: { expiresAt?: Date | number; ttl?: number } | undefined,
  ttl: number,
): number {
  const now = Date.now()
  const at = options?.expiresAt
  const ms = at === undefined || at === null ? Number.NaN : typeof at === 'number' ? at : at.getTime()
  const own = options?.ttl
  const wanted = Number.isFinite(ms)
    ? ms
    : now + (typeof own === 'number' && Number.isFinite(own) ? own : ttl)
  return Math.min(wanted, now + MAX_LIFETIME)
}

/** A touch's `margin` (see `TouchOptions`): a non-negative number of ms, anything else none. */
export function marginOf(options: { margin?: number } | undefined): number {
  const margin = options?.margin
  return typeof margin === 'number' && Number.isFinite(margin) && margin > 0 ? margin : 0
}
