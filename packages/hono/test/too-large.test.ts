/**
 * A commit that fails after the route ran: a session over the store's `maxBytes` is thrown as a 413
 * HTTPException (cause: the SESSION_TOO_LARGE PgStoreError), replacing the route's answer, with no cookie
 * and no row, and the session as it was before stays intact.
 */
import { isPgStoreError } from '@pgstore/core'
import { createTestDatabase, probeTable, type TestDatabase } from '@pgstore/testing'
import { HTTPException } from 'hono/http-exception'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from './app'
import { cookieOf } from './transports'

for (const kind of ['pg', 'pglite'] as const) {
  describe(`@pgstore/hono on a session too large to save, on ${kind}`, () => {
    let db: TestDatabase
    beforeAll(async () => {
      db = await createTestDatabase(kind)
    })
    afterAll(() => db?.close())

    const post = (app: ReturnType<typeof buildApp>['app'], path: string, user: string, cookie?: string) =>
      app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body: JSON.stringify({ user }),
      })

    it('answers 413 through Hono with no cookie and no row, and keeps the saved session', async () => {
      const { app, close } = buildApp(db, {}, { maxBytes: 1024 })
      const probe = probeTable(db, db.table)
      try {
        const cookie = cookieOf(await post(app, '/login', 'erin'))
        const rows = await probe.count()
        const big = await post(app, '/rename', 'x'.repeat(4096))
        expect(big.status).toBe(413)
        expect(await big.text()).toBe('Content Too Large')
        expect(big.headers.getSetCookie()).toEqual([])
        expect(await probe.count()).toBe(rows)

        const seen: unknown[] = []
        app.onError((err, c) => {
          seen.push(err)
          return err instanceof HTTPException ? err.getResponse() : c.text('unexpected', 500)
        })
        const failed = await post(app, '/rename', 'y'.repeat(4096), cookie)
        expect(failed.status).toBe(413)
        expect(failed.headers.getSetCookie()).toEqual([])
        expect(seen).toHaveLength(1)
        expect(isPgStoreError((seen[0] as HTTPException).cause, 'SESSION_TOO_LARGE')).toBe(true)
        const me = await app.request('/me', { headers: { cookie } })
        expect(await me.json()).toEqual({ user: 'erin' })
      } finally {
        await close()
      }
    })
  })
}
