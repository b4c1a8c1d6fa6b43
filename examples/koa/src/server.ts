/**
 * Starts the example: `pnpm --filter @pgstore/example-koa start`. PORT (default 3001), DATABASE_URL
 * (default: PGlite in memory), SESSION_KEYS (comma-separated, newest first; default: a random key per run).
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { createApp } from './app.js'
import { openStore } from './database.js'

const keys = process.env.SESSION_KEYS?.split(',').filter(Boolean) ?? []
if (keys.length === 0) {
  keys.push(randomBytes(32).toString('base64url'))
  console.log(
    'No SESSION_KEYS set: signing cookies with a random key, so sessions end when this process does.',
  )
}

const store = await openStore()
const server = createApp({ sessions: store.sessions, keys }).listen(Number(process.env.PORT ?? 3001))
server.once('listening', () => {
  const { port } = server.address() as AddressInfo
  console.log(`pgstore Koa example listening on http://localhost:${port}, sessions in ${store.label}`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => {
      void store.close().finally(() => process.exit(0))
    })
    server.closeAllConnections()
  })
}
