/**
 * Starts the example: `pnpm --filter @pgstore/example-express start`. PORT (default 3000); DATABASE_URL for
 * PostgreSQL, else embedded PGlite in PGLITE_DIR (default `.pglite`); SESSION_SECRETS (required in production).
 */
import type { AddressInfo } from 'node:net'
import { openDatabase } from '@pgstore/example-shared'
import { createApp } from './app'

const database = openDatabase()
const { app, store } = createApp({ db: database.db })
const port = process.env.PORT ? Number(process.env.PORT) : 3000
const server = app.listen(port, () => {
  const { port: bound } = server.address() as AddressInfo
  console.log(`pgstore Express example on http://localhost:${bound} (sessions in ${database.label})`)
})

async function shutdown(): Promise<void> {
  server.close()
  server.closeAllConnections()
  await store.close()
  await database.close()
  process.exit(0)
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
