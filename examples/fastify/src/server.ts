/**
 * Starts the example: `pnpm --filter @pgstore/example-fastify start`. PORT (default 3002); DATABASE_URL for
 * PostgreSQL, else embedded PGlite in PGLITE_DIR (default `.pglite`); SESSION_SECRETS (required in production).
 */
import type { AddressInfo } from 'node:net'
import { openDatabase } from '@pgstore/example-shared'
import { createApp } from './app.js'

const database = openDatabase()
const { app, store } = createApp({ db: database.db })
await app.listen({ port: process.env.PORT ? Number(process.env.PORT) : 3002, host: 'localhost' })
const { port } = app.server.address() as AddressInfo
console.log(`pgstore Fastify example on http://localhost:${port} (sessions in ${database.label})`)

async function shutdown(): Promise<void> {
  await app.close()
  await store.close()
  await database.close()
  process.exit(0)
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
