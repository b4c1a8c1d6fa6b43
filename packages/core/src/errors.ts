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
 * Messages never contain a session id, a secret or session data, and neither does `cause`: what the driver
 * threw is reduced to a {@link PgStoreCause} (its code, SQLSTATE, severity and a message line), since drivers
 * hang the statement's parameters and the failing row on their errors.
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
  /** The database could not be reached, dropped the connection, or takes no writes (a standby). */
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

  /** What the driver (or other code) threw, reduced to a {@link PgStoreCause}; absent when nothing was. */
  declare readonly cause?: PgStoreCause

  /** `options.cause`, whatever it is, is kept only as the {@link PgStoreCause} made from it. */
  constructor(code: PgStoreErrorCode, message: string, options?: { cause?: unknown }) {
    const cause = options?.cause
    super(message, cause === undefined ? undefined : { cause: toPgStoreCause(cause) })
    this.code = code
    this.status = HTTP_STATUS[code] ?? 500
  }
}

/**
 * The `cause` of a {@link PgStoreError}: what pgstore keeps of the error the driver threw, and nothing else.
 * Drivers put the statement's parameters on their errors (PGlite as `params`, postgres.js as hidden
 * `parameters`), and PostgreSQL puts the failing row or key in `detail` and the values seen in `where`; for
 * sessions those are the id's digest and the session data. So the cause is a fresh error with the code, the
 * SQLSTATE, the severity and the first line of the message, minus the values PostgreSQL quotes there (see
 * {@link safeMessage}). Its stack is its one message line: the driver's frames say nothing useful.
 *
 * @example
 * ```ts
 * if (isPgStoreError(err, 'QUERY_FAILED') && err.cause?.sqlstate === '23514') // a CHECK constraint failed
 * ```
 */
export class PgStoreCause extends Error {
  override readonly name = 'PgStoreCause'
  /** The SQLSTATE (`23514`) or the driver's or Node's error code (`ECONNREFUSED`), when there was one. */
  readonly code: string | undefined
  /** The SQLSTATE, when the database answered with an error. */
  readonly sqlstate: string | undefined
  /** The database's severity (`ERROR`, `FATAL`), when it answered. */
  readonly severity: string | undefined

  constructor(message: string, fields: { code?: string; sqlstate?: string; severity?: string } = {}) {
    super(message)
    this.code = fields.code
    this.sqlstate = fields.sqlstate
    this.severity = fields.severity
    this.stack = `${this.name}: ${message}`
  }
}

/** The fields pgstore reads off a driver's error; it keeps only what {@link PgStoreCause} holds. */
interface DriverErrorFields {
  code?: unknown
  message?: unknown
  severity?: unknown
  routine?: unknown
  where?: unknown
  errors?: unknown
  cause?: unknown
}

/** Reduces whatever was thrown (a driver error, drizzle's wrapper of one, anything) to a PgStoreCause. */
export function toPgStoreCause(thrown: unknown): PgStoreCause {
  if (thrown instanceof PgStoreCause) return thrown
  const e = driverError(thrown)
  if (typeof e !== 'object' || e === null) return new PgStoreCause('')
  const { code, severity } = e as DriverErrorFields
  const level = typeof severity === 'string' ? severity : undefined
  const errcode = typeof code === 'string' ? code : undefined
  // Only an error the server sent has a severity; a 5-character errno such as EPIPE is no SQLSTATE.
  const sqlstate =
    level !== undefined && errcode !== undefined && SQLSTATE.test(errcode) ? errcode : undefined
  return new PgStoreCause(safeMessage(e as DriverErrorFields, sqlstate), {
    code: errcode,
    sqlstate,
    severity: level,
  })
}

const SQLSTATE = /^[0-9A-Z]{5}$/
/** PL/pgSQL's RAISE and ASSERT: the text is whatever the function wrote, which can quote NEW and OLD. */
const RAISED_BY = new Set(['exec_stmt_raise', 'exec_stmt_assert'])
const RAISED_WHERE = /^PL\/pgSQL function .* at (RAISE|ASSERT)\b/
/** Quotation marks, PostgreSQL's own and those of translated messages (lc_messages). */
const QUOTE = /["“”„«»]/

/**
 * The first line of the driver's message, never drizzle's (`Failed query: <sql>\nparams: <values>`).
 * PostgreSQL keeps row values out of its messages (they go in DETAIL) with two exceptions, handled here: a
 * data exception (SQLSTATE class 22: `invalid input syntax for type integer: "<value>"`) quotes the rejected
 * input, which is masked, and a PL/pgSQL RAISE or ASSERT can say anything (`raise exception '%', new.data`),
 * so its text is withheld whatever SQLSTATE it raised.
 */
function safeMessage(e: DriverErrorFields, sqlstate: string | undefined): string {
  let text = typeof e.message === 'string' ? e.message : ''
  if (text === '' && Array.isArray(e.errors)) {
    // Node's AggregateError for a connection refused on every address of a host has no message of its own.
    const first = (e.errors[0] ?? {}) as DriverErrorFields
    text = typeof first.message === 'string' ? first.message : ''
  }
  if (text.startsWith('Failed query:')) return 'the query failed (its text and parameters are not kept)'
  const where = typeof e.where === 'string' ? e.where : ''
  if (sqlstate?.startsWith('P0') || RAISED_BY.has(e.routine as string) || RAISED_WHERE.test(where)) {
    return 'raised by a PL/pgSQL RAISE or ASSERT (its text is not kept: it can quote row values)'
  }
  const line = text.split(/\r?\n/, 1)[0]!
  if (!sqlstate?.startsWith('22')) return line
  const first = line.search(QUOTE)
  if (first < 0) return line
  let last = line.length - 1
  while (last > first && !QUOTE.test(line[last]!)) last--
  return `${line.slice(0, first)}"…"${last > first ? line.slice(last + 1) : ''}`
}

/** True for any pgstore error, from either module build; narrows to `code` when one is given. */
export function isPgStoreError(err: unknown, code?: PgStoreErrorCode): err is PgStoreError {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { name?: unknown; code?: unknown }
  return e.name === NAME && typeof e.code === 'string' && (code === undefined || e.code === code)
}

// SQLSTATE classes and driver errno values that mean "the server is not there (any more)": class 08
// (connection exception), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting
// up, shutting down, in recovery) and 53300 too_many_connections.
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53300)/
/**
 * 25006 read_only_sql_transaction: the server takes no writes. A standby says it (`cannot execute INSERT in
 * a read-only transaction`, `cannot execute LISTEN during recovery`), and so does a primary or database
 * set `default_transaction_read_only`. For a session store that is an outage of its writes, not a bug in a
 * statement: DB_UNAVAILABLE (503), and the store stays unhealthy until a write succeeds (store/calls.ts).
 * The message is matched too, for a driver that loses the SQLSTATE.
 */
const READ_ONLY_SQLSTATE = '25006'
const READ_ONLY_MESSAGE = /cannot execute \S+ (in a read-only transaction|during recovery)/i
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
 * SQLSTATEs of a connection the server refused for its settings, with what to do. The server's message names
 * the database or role (`database "shop" does not exist`), never a password.
 */
const LOGIN_REFUSED = new Map([
  [
    '3D000',
    'The database in the connection string does not exist: create it (createdb <name>) or fix the name.',
  ],
  [
    '28000',
    'The role does not exist or may not connect from here: fix the user in the connection string, create the role, or allow it in pg_hba.conf.',
  ],
  [
    '28P01',
    "Password authentication failed: fix the password in the connection string (percent-encode reserved characters) or the role's password.",
  ],
])

/**
 * Drizzle wraps driver errors in an error whose message lists the query parameters (ids, data); walk down to
 * the driver's own error, which carries the SQLSTATE or errno. Used to classify only: what is kept of it is
 * {@link toPgStoreCause}'s.
 */
function driverError(err: unknown): unknown {
  let e = err as { code?: unknown; cause?: unknown } | undefined
  for (let i = 0; i < 5 && e && typeof e === 'object' && typeof e.code !== 'string' && e.cause; i++) {
    e = e.cause as typeof e
  }
  return e
}

/**
 * True when the server refused a write because it is read-only (a standby, `default_transaction_read_only`):
 * for what a driver threw, a {@link PgStoreCause}, or the PgStoreError made of either.
 */
export function isReadOnlyServer(err: unknown): boolean {
  const e = (isPgStoreError(err) ? err.cause : driverError(err)) as DriverErrorFields | undefined
  if (typeof e !== 'object' || e === null) return false
  return e.code === READ_ONLY_SQLSTATE || (typeof e.message === 'string' && READ_ONLY_MESSAGE.test(e.message))
}

/** Turns whatever a driver threw into a PgStoreError with a safe message. */
export function toPgStoreError(err: unknown, action: string, table: string): PgStoreError {
  if (isPgStoreError(err)) return err
  const driver = driverError(err)
  const { code, message } = (driver ?? {}) as { code?: unknown; message?: unknown }
  const cause = toPgStoreCause(err)
  const sqlstate = typeof code === 'string' ? code : ''
  const text = typeof message === 'string' ? message : ''
  if (sqlstate === '42P01' || sqlstate === '3F000') {
    return new PgStoreError(
      'TABLE_MISSING',
      `pgstore: table ${table} does not exist. Run drizzle-kit push with the pgstore schema, or set createTable: true.`,
      { cause },
    )
  }
  if (sqlstate === '42703') {
    // undefined_column: the table predates a column pgstore writes (`meta`). Same remedy as a missing table.
    return new PgStoreError(
      'QUERY_FAILED',
      `pgstore: table ${table} lacks a column this version uses (meta, for session metadata). Run drizzle-kit push with the pgstore schema, or set createTable: true, which adds it.`,
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
  if (isReadOnlyServer(driver)) {
    return new PgStoreError(
      'DB_UNAVAILABLE',
      `pgstore: ${action} failed because the server is read-only (a standby, or default_transaction_read_only is on); it will be retried on the next call. Point pgstore at the primary: with postgres.js, list every host and set target_session_attrs: 'primary'.`,
      { cause },
    )
  }
  if (sqlstate === '08P01' && /unsupported startup parameter/i.test(text)) {
    // PgBouncer refuses startup parameters it does not know (a pool made with statement_timeout, say),
    // and would refuse every connection forever: a configuration error, not an outage.
    return new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: ${action} failed: the pooler in front of the database refused a startup parameter of the pool (${text.split(/\r?\n/, 1)[0]}). Remove it from the pool's options (set statement_timeout with SET instead) or list it in PgBouncer's ignore_startup_parameters.`,
      { cause },
    )
  }
  const login = LOGIN_REFUSED.get(sqlstate)
  if (login) {
    // The server answered and refused this database or login: every later call would be refused the same
    // way, so it is a configuration error to fix, not an outage to wait out.
    return new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: ${action} failed: the server refused the connection (${cause.message}). ${login}`,
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
