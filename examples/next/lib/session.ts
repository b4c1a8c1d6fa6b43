/**
 * The app's sessions. DATABASE_URL selects PostgreSQL; without it an embedded PGlite keeps its data in
 * ./.pglite-data. PGlite allows one instance per data directory, and Next can evaluate this module more
 * than once in a process (a copy per route bundle, again on each dev reload), so the store and the
 * session factory live on globalThis and are created on first use, never while `next build` imports routes.
 */
import 'server-only'
import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { PgStore } from '@pgstore/core'
import { createSessions, type Sessions } from '@pgstore/next'
import { drizzle } from 'drizzle-orm/pglite'
import { connection } from 'next/server'

export interface AppSession {
  userId?: string
  name?: string
  count?: number
}

const holder = globalThis as typeof globalThis & { __pgstoreExample?: Sessions<AppSession> }

function createStore(): PgStore<AppSession> {
  const userId = (data: AppSession) => data.userId
  const url = process.env.DATABASE_URL
  if (url) return new PgStore<AppSession>({ connectionString: url, createTable: true, userId })
  const client = new PGlite(process.env.PGLITE_DATA_DIR || './.pglite-data')
  return new PgStore<AppSession>({ db: drizzle({ client }), createTable: true, userId })
}

function secrets(): string[] {
  const configured = process.env.SESSION_SECRETS?.split(',').filter(Boolean)
  if (configured?.length) return configured
  // Without configured secrets every restart signs with a new one, which logs everyone out: fine for a demo.
  console.warn('SESSION_SECRETS is not set: using a random secret; sessions end when the server restarts.')
  return [randomBytes(32).toString('base64url')]
}

export function sessions(): Sessions<AppSession> {
  holder.__pgstoreExample ??= createSessions<AppSession>({ store: createStore(), secrets: secrets() })
  return holder.__pgstoreExample
}

/** The request's session. `connection()` first: while `next build` prerenders, it stops before a store exists. */
export async function getSession() {
  await connection()
  return sessions().getSession()
}

export const withSession: Sessions<AppSession>['withSession'] = (handler, options) => (request, context) =>
  sessions().withSession(handler, options)(request, context)
