/**
 * Test databases: a real PostgreSQL server (DATABASE_URL, else 127.0.0.1:5432/test) or an in-memory PGlite,
 * each with a fresh schema per call so test files never see each other's rows. An unreachable server fails
 * the run loudly; nothing is skipped.
 */
import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { type AnyPgDatabase, pgSessionTable, type SessionTable } from '@pgstore/core'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { qualifiedName } from './probe'

export const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

export type DbKind = 'pg' | 'pglite'

export interface TestDatabase {
  kind: DbKind
  /** Drizzle over the database. */
  db: AnyPgDatabase
  /** The pool, for 'pg'. */
  pool?: pg.Pool
  /** A connection string whose search_path is the fresh schema, for 'pg'. */
  url?: string
  /** The fresh schema's name. */
  schema: string
  /** `http_sessions` in the fresh schema. */
  table: SessionTable
  /** The table's quoted, schema-qualified name for raw SQL: `"schema"."http_sessions"`. */
  sessions: string
  /** Raw SQL, for probes that read the table directly. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  close(): Promise<void>
}

export function freshName(prefix = 'pgstore_t'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`
}

/** Why a connection to `url` and a `select 1` failed, or undefined when they worked. */
export async function connectionError(url: string): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (err) {
    return err as Error
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Fails with a message that says what to do; used by every suite that needs the server. */
export async function assertPostgresReachable(url = DATABASE_URL): Promise<void> {
  const err = await connectionError(url)
  if (err) {
    throw new Error(
      `PostgreSQL is not reachable (${err.message}). Start it or set DATABASE_URL; DB tests never skip.`,
    )
  }
}

export async function createTestDatabase(
  kind: DbKind,
  options: {
    tableName?: string
    schema?: string /** Another server than DATABASE_URL's. */
    server?: string
  } = {},
): Promise<TestDatabase> {
  const server = options.server ?? DATABASE_URL
  const schema = options.schema ?? freshName()
  const table = pgSessionTable(options.tableName ?? 'http_sessions', { schema })
  if (kind === 'pglite') {
    const client = new PGlite()
    await client.exec(`create schema "${schema}"`)
    return {
      kind,
      db: drizzlePglite({ client }),
      schema,
      table,
      sessions: qualifiedName(table),
      async query<T>(text: string, params?: unknown[]) {
        return (await client.query(text, params)).rows as T[]
      },
      async close() {
        await client.close()
      },
    }
  }
  await assertPostgresReachable(server)
  const admin = new pg.Pool({ connectionString: server, max: 2 })
  // An idle client dropped by a server restart must not crash the test process.
  admin.on('error', () => undefined)
  await admin.query(`create schema "${schema}"`)
  const url = withSearchPath(server, schema)
  const pool = new pg.Pool({ connectionString: server, max: 10 })
  pool.on('error', () => undefined)
  return {
    kind,
    db: drizzlePg({ client: pool }),
    pool,
    url,
    schema,
    table,
    sessions: qualifiedName(table),
    async query<T>(text: string, params?: unknown[]) {
      return (await admin.query(text, params as unknown[])).rows as T[]
    },
    async close() {
      await pool.end()
      await admin.query(`drop schema if exists "${schema}" cascade`)
      await admin.end()
    },
  }
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url)
  u.searchParams.set('options', `-c search_path=${schema}`)
  return u.toString()
}
