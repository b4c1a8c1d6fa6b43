/**
 * The example's database: PostgreSQL when DATABASE_URL is set, else embedded PGlite (no server needed),
 * kept in PGLITE_DIR (default `.pglite`), or in memory with `PGLITE_DIR=memory`.
 */
import { PGlite } from '@electric-sql/pglite'
import type { AnyPgDatabase } from '@pgstore/core'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'

export interface Database {
  db: AnyPgDatabase
  /** What the database is, for the startup log line (never the URL: it may hold a password). */
  label: string
  close(): Promise<void>
}

export const DEFAULT_PGLITE_DIR = '.pglite'

export async function openDatabase(env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  if (env.DATABASE_URL) {
    const db = drizzlePg(env.DATABASE_URL)
    return { db, label: 'PostgreSQL (DATABASE_URL)', close: () => db.$client.end() }
  }
  const dir = env.PGLITE_DIR || DEFAULT_PGLITE_DIR
  const client = dir === 'memory' ? new PGlite() : new PGlite(dir)
  await client.waitReady
  return {
    db: drizzlePglite({ client }),
    label: dir === 'memory' ? 'PGlite (in memory)' : `PGlite (${dir})`,
    close: () => client.close(),
  }
}
