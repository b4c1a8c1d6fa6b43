/**
 * A database outage on PostgreSQL behind a relay that is cut: pgSession throws an HTTPException 503 whose
 * cause is the PgStoreError, so Hono's default handler answers 503 and an app's own onError sees it; the
 * same cookie finds its session once the relay is back.
 */
import { isPgStoreError, PgStore } from '@pgstore/core'
import { createTestDatabase, type Relay, startRelay, type TestDatabase } from '@pgstore/testing'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgSession, type SessionEnv } from '../src/index'
import { connect, cookieOf, TRANSPORTS } from './transports'

const SECRET = 'hono-outage-secret-0123456789-abcdefghij'
type Data = { count?: number }
let db: TestDatabase
let relay: Relay
let down = false
/** Cuts the relay; {@link restore} listens again, once, however the test ended. */
const cut = async () => {
  await relay.cut()
  down = true
}
const restore = async () => {
  if (down) await relay.restore()
  down = false
}

beforeAll(async () => {
  db = await createTestDatabase('pg')
  await new PgStore({ db: db.db, table: db.table, createTable: true, prune: false }).length()
  relay = await startRelay()
})
afterAll(async () => {
  await relay?.close()
  await db?.close()
})

function countingApp(store: PgStore<Data>) {
  const app = new Hono<SessionEnv<Data>>()
  app.use(pgSession<Data>({ store, secrets: [SECRET] }))
  app.post('/count', (c) => {
    const session = c.get('session')
    session.set('count', (session.get('count') ?? 0) + 1)
    return c.json({ count: session.get('count') })
  })
  return app
}

const relayStore = () => {
  const store = new PgStore<Data>({
    connectionString: relay.url,
    table: db.table,
    prune: false,
    connectTimeout: 2_000,
  })
  store.on('backgroundError', () => undefined)
  return store
}

describe.each(TRANSPORTS)('pgSession during a database outage via %s', (transport) => {
  it('answers 503 while the database is unreachable, and the session again once it is back', async () => {
    const store = relayStore()
    const client = await connect(countingApp(store), transport)
    const post = (cookie?: string) =>
      client.fetch(
        new Request('http://app.test/count', { method: 'POST', headers: cookie ? { cookie } : {} }),
      )
    try {
      const first = await post()
      expect(first.status).toBe(200)
      const cookie = cookieOf(first)

      await cut()
      const failed = await post(cookie)
      expect(failed.status).toBe(503)
      expect(failed.headers.getSetCookie()).toEqual([])
      const body = await failed.text()
      expect(body).toBe('Service Unavailable')
      expect(body).not.toContain(cookie.split('=')[1]!.split('.')[0]!)

      await restore()
      let again = await post(cookie)
      // The pool may hand out one connection the cut killed; a fresh request then reconnects.
      for (let i = 0; i < 20 && again.status !== 200; i++) again = await post(cookie)
      expect(again.status).toBe(200)
      expect(await again.json()).toEqual({ count: 2 })
    } finally {
      await restore()
      await client.close()
      await store.close()
    }
  })
})

describe('pgSession outage and an app.onError of its own', () => {
  it('hands the app the HTTPException, its cause the DB_UNAVAILABLE PgStoreError', async () => {
    const store = relayStore()
    const app = countingApp(store)
    const seen: unknown[] = []
    app.onError((err, c) => {
      seen.push(err)
      if (err instanceof HTTPException) return c.json({ error: 'down for a moment' }, err.status)
      return c.json({ error: 'unexpected' }, 500)
    })
    try {
      await cut()
      const failed = await app.request('/count', { method: 'POST' })
      expect(failed.status).toBe(503)
      expect(await failed.json()).toEqual({ error: 'down for a moment' })
      expect(seen).toHaveLength(1)
      const err = seen[0] as HTTPException
      expect(err).toBeInstanceOf(HTTPException)
      expect(isPgStoreError(err.cause, 'DB_UNAVAILABLE')).toBe(true)
    } finally {
      await restore()
      await store.close()
    }
  })
})
