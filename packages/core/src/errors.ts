/**
 * The one error type pgstore throws. Identify it by `code` (or {@link isPgStoreError}), not only by
 * `instanceof`: an app can load both the ESM and the CJS build, and each has its own class.
 *
 * @example
 * ```ts
 * try { await store.set(sid, data) } catch (err) {
 *   if (isPgStoreError(err, 'SESSION_TOO_LARGE')) return res.status(413).end()
 *   throw err
 * }
 * ```
 *
 * Messages never contain a session id, a secret or session data. The driver's error, when there was one,
 * is kept as `cause`; drizzle's query wrapper (whose message lists the query parameters) is stripped off.
 */

export type PgStoreErrorCode =
  /** The session table does not exist and `createTable` is off. */
  | 'TABLE_MISSING'
  /** The serialised session is larger than `maxBytes`. Nothing was written. */
  | 'SESSION_TOO_LARGE'
  /** The session holds a value JSON cannot carry faithfully (BigInt, a function, a cycle, too deep). */
  | 'NOT_SERIALIZABLE'
  /** A stored row could not be decrypted with any configured key, or is encrypted and no key is set. */
  | 'DECRYPTION_FAILED'
  /** The database could not be reached or dropped the connection. */
  | 'DB_UNAVAILABLE'
  /** A statement ran past `statementTimeout` / `queryTimeout`. */
  | 'TIMEOUT'
  /** Any other database error. */
  | 'QUERY_FAILED'
  /** The options given to pgstore are invalid. */
  | 'INVALID_OPTIONS'
  /** A session id that is not a string of the accepted shape was given to a write. */
  | 'INVALID_SESSION_ID'
  /** The store was used after `close()`. */
  | 'CLOSED'
  /** A cookie write was attempted where the framework forbids it (e.g. a Next.js server component). */
  | 'READ_ONLY'

const NAME = 'PgStoreError'

/** The HTTP status each code maps to; Express's and Koa's error handling read `status` off the error. */
const HTTP_STATUS: Partial<Record<PgStoreErrorCode, number>> = {
  DB_UNAVAILABLE: 503,
  TIMEOUT: 503,
  SESSION_TOO_LARGE: 413,
}

export class PgStoreError extends Error {
  override readonly name = NAME
  readonly code: PgStoreErrorCode
  /**
   * HTTP status for a response that fails with this error: 503 for an outage or timeout (try again), 413
   * for oversize data, else 500.
   */
  readonly status: number
  /** For Koa: never send this message to the client. */
  readonly expose = false

  constructor(code: PgStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.status = HTTP_STATUS[code] ?? 500
  }
}

/** True for any pgstore error, from either module build; narrows to `code` when one is given. */
export function isPgStoreError(err: unknown, code?: PgStoreErrorCode): err is PgStoreError {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { name?: unknown; code?: unknown }
  return e.name === NAME && typeof e.code === 'string' && (code === undefined || e.code === code)
}

// SQLSTATE classes and driver errno values that mean "the server is not there (any more)".
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53300)/
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
])
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end|server closed the connection|PGlite is closed/i
/**
 * pg-pool's message for a call that waited in its queue past connectTimeout: every connection was busy.
 * The database is there, so it is a TIMEOUT, not DB_UNAVAILABLE, which would mark the store unhealthy and
 * (through `disconnect`) turn a burst into an outage for every request. A connection attempt that times
 * out has its own message ("Connection terminated due to connection timeout").
 */
const POOL_WAIT_TIMEOUT = /timeout exceeded when trying to connect/i

/**
 * Drizzle wraps driver errors in an error whose message lists the query parameters (ids, data); walk down to
 * the driver's own error, which carries the SQLSTATE or errno.
 */
function driverError(err: unknown): unknown {
  let e = err as { code?: unknown; cause?: unknown } | undefined
  for (let i = 0; i < 5 && e && typeof e === 'object' && typeof e.code !== 'string' && e.cause; i++) {
    e = e.cause as typeof e
  }
  return e
}

/** Turns whatever a driver threw into a PgStoreError with a safe message. */
export function toPgStoreError(err: unknown, action: string, table: string): PgStoreError {
  if (isPgStoreError(err)) return err
  const cause = driverError(err)
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown }
  const sqlstate = typeof code === 'string' ? code : ''
  const text = typeof message === 'string' ? message : ''
  if (sqlstate === '42P01' || sqlstate === '3F000') {
    return new PgStoreError(
      'TABLE_MISSING',
      `pgstore: table ${table} does not exist. Run drizzle-kit push with the pgstore schema, or set createTable: true.`,
      { cause },
    )
  }
  if (POOL_WAIT_TIMEOUT.test(text)) {
    return new PgStoreError(
      'TIMEOUT',
      `pgstore: ${action} waited longer than connectTimeout for a free pool connection. Raise poolSize or connectTimeout, or look for slow statements holding connections.`,
      { cause },
    )
  }
  if (sqlstate === '57014' || /query read timeout|Query read timeout/.test(text)) {
    return new PgStoreError(
      'TIMEOUT',
      `pgstore: ${action} timed out. Raise statementTimeout/queryTimeout or look for a lock held on ${table}.`,
      { cause },
    )
  }
  if (
    UNAVAILABLE_SQLSTATE.test(sqlstate) ||
    UNAVAILABLE_ERRNO.has(sqlstate) ||
    UNAVAILABLE_MESSAGE.test(text)
  ) {
    return new PgStoreError(
      'DB_UNAVAILABLE',
      `pgstore: ${action} failed because the database is unavailable; it will be retried on the next call.`,
      { cause },
    )
  }
  return new PgStoreError(
    'QUERY_FAILED',
    `pgstore: ${action} failed on ${table}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}.`,
    { cause },
  )
}
