/**
 * A database outage on PostgreSQL behind a relay that is cut: getSession rejects with the DB_UNAVAILABLE
 * PgStoreError (status 503), which React Router hands to the build's handleError with no session id in
 * the answer; the same cookie finds its session once the relay is back.
 */
import { isPgStoreError, PgStore } from '@pgstore/core'
import { createTestDatabase, type Relay, startRelay, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPgSessionStorage } from '../src/index'
import { appOver, cookieOf, type Data, post } from './app'

const SECRET = 'react-router-outage-secret-0123456789-abc'
let db: TestDatabase
let relay: Relay
let down = false
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

describe('createPgSessionStorage during a database outage', () => {
  it('fails with DB_UNAVAILABLE (503) while the database is unreachable, and finds the session after', async () => {
    const store = new PgStore<Data>({
      connectionString: relay.url,
      table: db.table,
      prune: false,
      connectTimeout: 2_000,
    })
    store.on('backgroundError', () => undefined)
    const storage = createPgSessionStorage<Data>({ store, secrets: SECRET })
    const seen: unknown[] = []
    const handler = appOver(storage, (error) => seen.push(error))
    try {
      const first = await handler(post('count'))
      expect(first.status).toBe(200)
      const cookie = cookieOf(first)

      await cut()
      const direct = await storage.getSession(cookie).catch((e: unknown) => e)
      expect(isPgStoreError(direct, 'DB_UNAVAILABLE')).toBe(true)
      expect((direct as { status: number }).status).toBe(503)

      const failed = await handler(post('count', cookie))
      expect(failed.status).toBe(500)
      expect(failed.headers.getSetCookie()).toEqual([])
      expect(await failed.text()).not.toContain(cookie.split('=')[1]!.split('.')[0]!)
      expect(seen).toHaveLength(1)
      expect(isPgStoreError(seen[0], 'DB_UNAVAILABLE')).toBe(true)

      await restore()
      let again = await handler(post('count', cookie))
      // The pool may hand out one connection the cut killed; a fresh request then reconnects.
      for (let i = 0; i < 20 && again.status !== 200; i++) again = await handler(post('count', cookie))
      expect(again.status).toBe(200)
      expect(await again.json()).toEqual({ views: 2 })
    } finally {
      await restore()
      await store.close()
    }
  })
})
