/**
 * A database outage through withSession on PostgreSQL behind a relay that is cut: the route handler answers
 * 503, as Express and Koa do, not Next's 500, and the same cookie finds its session once the relay is back.
 */
import { PgStore } from '@pgstore/core'
import { createTestDatabase, type Relay, startRelay, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { bindSessions } from '../src/sessions'

const SECRET = 'next-outage-secret-0123456789-abcdefghij'
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

describe('withSession during a database outage', () => {
  it('answers 503 while the database is unreachable, and the session again once it is back', async () => {
    const store = new PgStore<{ count?: number }>({
      connectionString: relay.url,
      table: db.table,
      prune: false,
      connectTimeout: 2_000,
    })
    store.on('backgroundError', () => undefined)
    const sessions = bindSessions<{ count?: number }>(
      { store, secrets: [SECRET] },
      { cookies: async () => ({ get: () => undefined, set: () => undefined }), cache: (fn) => fn },
    )
    const route = sessions.withSession(async (_request, _context, session) => {
      session.set('count', (session.get('count') ?? 0) + 1)
      return Response.json({ count: session.get('count') })
    })
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const first = await route(new Request('http://app.test/count', { method: 'POST' }), undefined)
      expect(first.status).toBe(200)
      const cookie = first.headers.get('set-cookie')!.split(';')[0]!
      const withCookie = () => new Request('http://app.test/count', { method: 'POST', headers: { cookie } })

      await relay.cut()
      const failed = await route(withCookie(), undefined)
      expect(failed.status).toBe(503)
      expect(failed.headers.get('set-cookie')).toBeNull()
      const body = await failed.text()
      expect(body).toBe('Service Unavailable')
      expect(body).not.toContain(cookie.split('=')[1]!.split('.')[0]!)
      // The outage is logged, as Next logs what a handler throws, as the typed error.
      expect(logged.mock.calls.some(([err]) => (err as { code?: string }).code === 'DB_UNAVAILABLE')).toBe(
        true,
      )

      await relay.restore()
      let again = await route(withCookie(), undefined)
      // The pool may hand out one connection the cut killed; a fresh request then reconnects.
      for (let i = 0; i < 20 && again.status !== 200; i++) again = await route(withCookie(), undefined)
      expect(again.status).toBe(200)
      expect(await again.json()).toEqual({ count: 2 })
    } finally {
      logged.mockRestore()
      await store.close()
    }
  })
})
