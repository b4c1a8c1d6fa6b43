/**
 * The app's sessions. DATABASE_URL selects PostgreSQL; without it an embedded PGlite keeps its data in
 * .pglite (PGLITE_DIR, or `memory`), as in the other examples. The options are a function, so nothing is
 * read or created while `next build` imports routes, and `globalKey` keeps one store per process: PGlite allows one instance per data directory, and
 * Next evaluates this module more than once in a process (a copy per route bundle, again on each dev reload).
 */
import 'server-only'
import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import type { PgStoreOptions } from '@pgstore/core'
import { createSessions, type Sessions } from '@pgstore/next'
import { drizzle } from 'drizzle-orm/pglite'

export interface AppSession {
  userId?: string
  name?: string
  count?: number
}

function storeOptions(): PgStoreOptions<AppSession> {
  const userId = (data: AppSession) => data.userId
  const url = process.env.DATABASE_URL
  if (url) return { connectionString: url, createTable: true, userId }
  const dir = process.env.PGLITE_DIR || '.pglite'
  const client = dir === 'memory' ? new PGlite() : new PGlite(dir)
  return { db: drizzle({ client }), createTable: true, userId }
}

function secrets(): string[] {
  const configured = process.env.SESSION_SECRETS?.split(',').filter(Boolean)
  if (configured?.length) return configured
  // Without configured secrets every restart signs with a new one, which logs everyone out: fine for a demo.
  console.warn('SESSION_SECRETS is not set: using a random secret; sessions end when the server restarts.')
  return [randomBytes(32).toString('base64url')]
}

const appSessions = createSessions<AppSession>(() => ({ store: storeOptions(), secrets: secrets() }), {
  globalKey: 'pgstore-example-next',
})

export const { getSession, withSession, store } = appSessions

/** The sessions object, for its store ("log out other devices"). */
export function sessions(): Sessions<AppSession> {
  return appSessions
}
