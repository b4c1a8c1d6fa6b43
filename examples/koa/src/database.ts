/**
 * Where the example keeps its sessions: PGlite in memory by default, so it runs with nothing installed, or
 * the PostgreSQL server named by DATABASE_URL.
 */
import { PGlite } from '@electric-sql/pglite'
import { type PgSessionStore, pgSessionStore } from '@pgstore/koa'
import { drizzle } from 'drizzle-orm/pglite'
import type { AppSession } from './app.js'

export interface OpenStore {
  sessions: PgSessionStore<AppSession>
  /** What the sessions live in, for the start-up line. */
  label: string
  close(): Promise<void>
}

/** The user's sessions are listed and revoked by the `user_id` column, filled from `user`. */
const userId = (data: AppSession) => data.user

export async function openStore(databaseUrl = process.env.DATABASE_URL): Promise<OpenStore> {
  if (databaseUrl) {
    const sessions = pgSessionStore<AppSession>({ connectionString: databaseUrl, createTable: true, userId })
    return { sessions, label: 'PostgreSQL (DATABASE_URL)', close: () => sessions.store.close() }
  }
  const client = new PGlite()
  const sessions = pgSessionStore<AppSession>({ db: drizzle({ client }), createTable: true, userId })
  return {
    sessions,
    label: 'PGlite in memory (set DATABASE_URL for PostgreSQL)',
    async close() {
      await sessions.store.close()
      await client.close()
    },
  }
}
