/**
 * Starts the example: `pnpm --filter @pgstore/example-react-router start` (after `react-router build`).
 * Express serves the built client assets and hands every other request to React Router, with the session
 * storage as load context. PORT (default 3004); DATABASE_URL for PostgreSQL, else embedded PGlite in
 * PGLITE_DIR (default `.pglite`); SESSION_SECRETS (required in production).
 */
import { openDatabase } from '@pgstore/example-shared'
import { createRequestHandler } from '@react-router/express'
import express from 'express'
import type { ServerBuild } from 'react-router'
import { createSessions } from './app/sessions.server'

const MAX_FORM_BYTES = 4_096
const build = (await import(new URL('./dist/server/index.js', import.meta.url).href)) as ServerBuild

const database = openDatabase()
const sessions = createSessions({ db: database.db })
const app = express()
app.disable('x-powered-by')
app.use('/assets', express.static('dist/client/assets', { immutable: true, maxAge: '1y' }))
app.use(express.static('dist/client', { maxAge: '1h' }))
// Over 4 KB is refused before the session loads; the cookie is SameSite=Lax, so other sites cannot post.
app.use((req, res, next) => {
  if (Number(req.headers['content-length'] ?? 0) > MAX_FORM_BYTES)
    res.status(413).type('text').send('That form is too large.')
  else next()
})
app.use(createRequestHandler({ build, getLoadContext: () => ({ sessions }) }))

const server = app.listen(process.env.PORT ? Number(process.env.PORT) : 3004, 'localhost', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : process.env.PORT
  console.log(`pgstore React Router example on http://localhost:${port} (sessions in ${database.label})`)
})

async function shutdown(): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  await sessions.close()
  await database.close()
  process.exit(0)
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)
