/**
 * The checks on what names the database (`db`, `pool` or `connectionString`) that can be made before any
 * I/O, so that a configuration mistake fails the constructor with `INVALID_OPTIONS` and a remedy, instead
 * of reading as an outage (`DB_UNAVAILABLE ... it will be retried`) or a failed query on first use.
 * Messages never quote a connection string: it may hold a password.
 *
 * @example
 * ```ts
 * assertDatabaseSource({ connectionString: 'not a url' }) // throws INVALID_OPTIONS: not a PostgreSQL URL
 * assertDatabaseSource({ db: drizzle(undefined) })        // throws INVALID_OPTIONS: a db with no client
 * ```
 */
import { is } from 'drizzle-orm'
import { PgDatabase } from 'drizzle-orm/pg-core'
import { PgStoreError } from '../errors'

/** The URL schemes node-postgres reads (pg-connection-string); a string starting with `/` is a socket. */
const SCHEMES = new Set(['postgres:', 'postgresql:', 'socket:'])
const SCHEME = /^([a-z][a-z0-9+.-]*:)/i

const invalid = (message: string): never => {
  throw new PgStoreError('INVALID_OPTIONS', `pgstore: ${message}`)
}

/**
 * Exactly one of `db`, `pool` or `connectionString`, and the one given usable.
 * @throws PgStoreError `INVALID_OPTIONS`
 */
export function assertDatabaseSource(source: {
  db?: unknown
  pool?: unknown
  connectionString?: unknown
}): void {
  const given = [source.db, source.pool, source.connectionString].filter((x) => x !== undefined).length
  if (given !== 1) {
    invalid(
      given === 0
        ? 'give one of db, pool or connectionString (none is set; is DATABASE_URL unset?).'
        : 'give exactly one of db, pool or connectionString.',
    )
  }
  if (source.connectionString !== undefined) assertConnectionString(source.connectionString)
  if (source.db !== undefined) assertDrizzleDatabase(source.db)
  if (source.pool !== undefined) assertPool(source.pool)
}

/**
 * A PostgreSQL URL (`postgres://user:password@host:5432/database`, `postgresql://`, `socket:`) or a socket
 * directory (`/var/run/postgresql database`), parsed the way node-postgres parses it. node-postgres reads
 * anything else as a database name on a host called `base`, which fails on first use with ENOTFOUND.
 */
export function assertConnectionString(value: unknown): void {
  const fix = 'Give a URL such as postgres://user:password@host:5432/database.'
  if (typeof value !== 'string' || value.trim() === '') {
    invalid(`connectionString must be a non-empty string. ${fix}`)
  }
  const text = value as string
  if (text.startsWith('/')) return
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase()
  if (!scheme || !SCHEMES.has(scheme)) {
    invalid(`connectionString is not a PostgreSQL URL (it must start with postgres://). ${fix}`)
  }
  if (!parses(text)) {
    invalid(
      `connectionString is not a valid URL (a bad port, or a reserved character such as @ : / # in the password that is not percent-encoded). ${fix}`,
    )
  }
}

/** As pg-connection-string: spaces and stray `%` encoded first, an empty host (`user@/db`) allowed. */
function parses(text: string): boolean {
  const encoded = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(text)
    ? encodeURI(text).replace(/%25(\d\d)/g, '%$1')
    : text
  for (const candidate of [encoded, encoded.replace('@/', '@___DUMMY___/')]) {
    try {
      new URL(candidate)
      return true
    } catch {}
  }
  return false
}

/**
 * A Drizzle PostgreSQL database (node-postgres, PGlite, postgres.js, Neon, or `withReplicas` of them) that
 * has a client: `drizzle(undefined)` makes a database object whose every query throws a TypeError.
 */
export function assertDrizzleDatabase(db: unknown): void {
  const fix =
    "Pass drizzle(pool) or drizzle(url) from 'drizzle-orm/node-postgres' (or the pglite, postgres-js, neon drivers), or give connectionString instead."
  const primary = (db as { $primary?: unknown } | null)?.$primary ?? db
  if (!is(primary, PgDatabase)) {
    invalid(`db is not a Drizzle PostgreSQL database (${describe(db)}). ${fix}`)
  }
  const client = (primary as { $client?: unknown }).$client
  if (client === undefined || client === null) {
    invalid(
      `db is a Drizzle database without a client, as drizzle(undefined) makes (is DATABASE_URL unset?). ${fix}`,
    )
  }
}

function assertPool(pool: unknown): void {
  const p = pool as { query?: unknown; connect?: unknown } | null
  if (typeof p?.query !== 'function' || typeof p.connect !== 'function') {
    invalid(
      `pool is not a pg.Pool (${describe(pool)}). Pass new pg.Pool({ connectionString }), or give connectionString.`,
    )
  }
}

function describe(value: unknown): string {
  if (value === null) return 'got null'
  if (typeof value !== 'object' && typeof value !== 'function') return `got ${typeof value}`
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' && name !== 'Object' ? `got a ${name}` : 'got an object'
}
