/**
 * Child process for the HTTP fault suite: the express example app exactly as it ships (its createApp and
 * the examples' openDatabase), on PostgreSQL, with the session table in the test's own schema. Prints
 * `listening <port>` when ready.
 *
 * One route is added beside the example's: `/durable` counts visits like `/` but saves the session before
 * it answers. express-session saves `/`'s change only after the status line is sent, so a `200` from `/`
 * does not prove the write landed; a `200` from `/durable` does.
 *
 * Run with cwd examples/express: node --import tsx <this file> (env: DATABASE_URL, PGSTORE_SCHEMA).
 */
import { isPgStoreError, pgSessionTable } from '@pgstore/core'
import type { ErrorRequestHandler } from 'express'
import { createApp } from '../../../examples/express/src/app'
import { openDatabase } from '../../../examples/shared/src/database'

const database = openDatabase(process.env)
const { app } = createApp({
  db: database.db,
  table: pgSessionTable('http_sessions', { schema: process.env.PGSTORE_SCHEMA! }),
  secret: ['resilience-suite-secret-0123456789abcdef'],
})
app.get('/durable', (req, res, next) => {
  req.session.views = (req.session.views ?? 0) + 1
  req.session.save((err) => (err ? next(err) : res.json({ views: req.session.views })))
})
// Added after the example's own error handler, so /durable needs one of its own: 503 for an outage.
const onError: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err)
  const unavailable = isPgStoreError(err, 'DB_UNAVAILABLE') || isPgStoreError(err, 'TIMEOUT')
  res
    .status(unavailable ? 503 : 500)
    .type('text')
    .send('Try again shortly.')
}
app.use(onError)
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`)
})
