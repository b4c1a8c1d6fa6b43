/**
 * Starts the example: `pnpm --filter @pgstore/example-koa start`. PORT (default 3001); DATABASE_URL for
 * PostgreSQL, else embedded PGlite in PGLITE_DIR (default `.pglite`); SESSION_SECRETS (required in production).
 */
import type { AddressInfo } from 'node:net'
import { openDatabase } from '@pgstore/example-shared'
import { pgSessionStore } from '@pgstore/koa'
import { type AppSession, createApp } from './app.js'

const database = openDatabase()
// The user's sessions are listed and revoked by the `user_id` column, filled from `user`.
const sessions = pgSessionStore<AppSession>({ db: database.db, createTable: true, userId: (d) => d.user })
const server = createApp({ sessions }).listen(process.env.PORT ? Number(process.env.PORT) : 3001)
server.once('listening', () => {
  const { port } = server.address() as AddressInfo
  console.log(`pgstore Koa example on http://localhost:${port} (sessions in ${database.label})`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      void sessions.store
        .close()
        .then(() => database.close())
        .finally(() => process.exit(0))
    })
    server.closeAllConnections()
  })
}
