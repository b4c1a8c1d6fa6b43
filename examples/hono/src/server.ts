/**
 * Starts the example: `pnpm --filter @pgstore/example-hono start`. PORT (default 3003); DATABASE_URL for
 * PostgreSQL, else embedded PGlite in PGLITE_DIR (default `.pglite`); SESSION_SECRETS (required in production).
 */
import { serve } from '@hono/node-server'
import { openDatabase } from '@pgstore/example-shared'
import { createApp } from './app.js'

const database = openDatabase()
const { app, store } = createApp({ db: database.db })
const server = serve(
  { fetch: app.fetch, port: process.env.PORT ? Number(process.env.PORT) : 3003, hostname: 'localhost' },
  ({ port }) =>
    console.log(`pgstore Hono example on http://localhost:${port} (sessions in ${database.label})`),
)

async function shutdown(): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await store.close()
  await database.close()
  process.exit(0)
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
