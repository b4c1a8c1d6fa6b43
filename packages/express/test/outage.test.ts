/**
 * A database outage through a real app: the request that meets it gets `next(err)`, the store emits
 * `disconnect` (express-session then serves requests without a session), and `connect` once the database is
 * back, after which the same cookie finds the same session. Nothing crashes.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { PgStore } from '@pgstore/core'
import { createTestDatabase, type Relay, startRelay, type TestDatabase } from '@pgstore/testing'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgSessionStore } from '../src'
import { createApp, sessionCookie, signedCookie } from './app'

let db: TestDatabase
let proxy: Relay

beforeAll(async () => {
  db = await createTestDatabase('pg')
  await new PgStore({ db: db.db, table: db.table, createTable: true, prune: false }).length()
  proxy = await startRelay()
})
afterAll(async () => {
  await proxy?.close()
  await db?.close()
})

function storeAt(url: string): PgSessionStore {
  const store = new PgSessionStore({
    connectionString: url,
    table: db.table,
    prune: false,
    connectTimeout: 2_000,
    reconnectInterval: 25,
  })
  // Idle pool clients fail when the proxy drops them; that is expected here.
  store.store.on('backgroundError', () => undefined)
  return store
}

describe('database outage', () => {
  it('fails the request through next(err), degrades, and recovers on connect', async () => {
    const store = storeAt(proxy.url)
    try {
      const app = createApp(store)
      const created = await request(app).post('/views').expect(200)
      const cookie = sessionCookie(created)!

      await proxy.cut()
      const disconnected = once(store, 'disconnect')
      const failed = await request(app).get('/whoami').set('Cookie', cookie)
      expect(failed.status).toBe(500)
      expect(failed.body.code).toBe('DB_UNAVAILABLE')
      expect(failed.text).not.toContain(created.body.id)
      await disconnected

      // express-session skips the store while it is disconnected; the app answers without a session.
      const degraded = await request(app).get('/whoami').set('Cookie', cookie)
      expect(degraded.status).toBe(503)

      const connected = once(store, 'connect')
      await proxy.restore()
      await connected
      const back = await request(app).get('/whoami').set('Cookie', cookie).expect(200)
      expect(back.body).toMatchObject({ id: created.body.id, views: 1 })
    } finally {
      await store.close()
    }
  })

  it('a store whose database was never reachable answers next(err), not a crash', async () => {
    const closed = await startRelay()
    await closed.cut()
    const store = storeAt(closed.url)
    try {
      const errors: unknown[] = []
      const app = createApp(store, {}, { onError: (err) => errors.push(err) })
      const cookie = signedCookie(randomBytes(32).toString('base64url'))
      const res = await request(app).get('/whoami').set('Cookie', cookie)
      expect(res.status).toBe(500)
      expect(res.body.code).toBe('DB_UNAVAILABLE')
      expect((await request(app).get('/whoami').set('Cookie', cookie)).status).toBe(503)
      expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['DB_UNAVAILABLE'])
    } finally {
      await store.close()
    }
  })
})
