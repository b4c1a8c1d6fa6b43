/**
 * The examples' database: PostgreSQL when DATABASE_URL is set, else embedded PGlite (no server needed), kept
 * in PGLITE_DIR (default `.pglite`, relative to where the app starts), or in memory with `PGLITE_DIR=memory`.
 *
 * @example
 * ```ts
 * const database = openDatabase()
 * const store = new PgStore({ db: database.db, createTable: true })
 * console.log(`sessions in ${database.label}`)
 * // on shutdown: await store.close(); await database.close()
 * ```
 */
import { PGlite } from '@electric-sql/pglite'
import type { AnyPgDatabase } from '@pgstore/core'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'

export interface Database {
  db: AnyPgDatabase
  /** What the database is, for the startup log line (never the URL: it may hold a password). */
  label: string
  /** Ends the pool or closes PGlite. The store never closes a `db` it was given, so the app does. */
  close(): Promise<void>
}

export const DEFAULT_PGLITE_DIR = '.pglite'

/** Where PGlite keeps its data for this environment: a directory, or `memory`. */
export function pgliteDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGLITE_DIR || DEFAULT_PGLITE_DIR
}

/**
 * Opens the database without waiting for it: node-postgres connects on the first query, and PGlite queues
 * queries until it has started. So it can be called where no `await` is possible (Next's lazy store), and a
 * startup failure surfaces on the first query, as the store's own error.
 */
export function openDatabase(env: NodeJS.ProcessEnv = process.env): Database {
  if (env.DATABASE_URL) {
    const db = drizzlePg(env.DATABASE_URL)
    return { db, label: 'PostgreSQL (DATABASE_URL)', close: () => db.$client.end() }
  }
  const dir = pgliteDir(env)
  const client = dir === 'memory' ? new PGlite() : new PGlite(dir)
  return {
    db: drizzlePglite({ client }),
    label: dir === 'memory' ? 'PGlite (in memory)' : `PGlite (${dir})`,
    close: () => client.close(),
  }
}
