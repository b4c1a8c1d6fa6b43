/**
 * A database outage through a real Fastify app: the store's DB_UNAVAILABLE reaches Fastify's own error
 * handling, which answers 503 from the error's status (on loading the session and on saving it), never
 * with the session id; once the database is back the same cookie finds the same session.
 */
import { PgStore } from '@pgstore/core'
import { createTestDatabase, type Relay, startRelay, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgSessionStore } from '../src'
import { createApp, sessionCookie } from './app'

let db: TestDatabase
let relay: Relay

beforeAll(async () => {
  db = await createTestDatabase('pg')
  await new PgStore({ db: db.db, table: db.table, createTable: true, prune: false }).length()
  relay = await startRelay()
})
afterAll(async () => {
  await relay?.close()
  await db?.close()
})

describe('database outage', () => {
  it('answers 503 DB_UNAVAILABLE through Fastify, and recovers when the database is back', async () => {
    const store = new PgSessionStore({
      connectionString: relay.url,
      table: db.table,
      prune: false,
      connectTimeout: 2_000,
    })
    // Idle pool clients fail when the relay drops them; that is expected here.
    store.store.on('backgroundError', () => undefined)
    const app = await createApp(store)
    try {
      const created = await app.inject({ method: 'POST', url: '/views' })
      const cookie = sessionCookie(created)!
      const { id } = created.json()

      await relay.cut()
      const load = await app.inject({ method: 'GET', url: '/whoami', headers: { cookie } })
      expect(load.statusCode).toBe(503)
      expect(load.json()).toMatchObject({ statusCode: 503, code: 'DB_UNAVAILABLE' })
      expect(load.body).not.toContain(id)
      const save = await app.inject({ method: 'POST', url: '/views' })
      expect(save.statusCode).toBe(503)
      expect(save.json().code).toBe('DB_UNAVAILABLE')
      expect(sessionCookie(save), 'no cookie for a session that was not saved').toBeUndefined()

      await relay.restore()
      const back = await app.inject({ method: 'GET', url: '/whoami', headers: { cookie } })
      expect(back.statusCode).toBe(200)
      expect(back.json()).toMatchObject({ id, views: 1 })
    } finally {
      await app.close()
      await store.close()
    }
  })
})
