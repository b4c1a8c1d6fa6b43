/**
 * `rolling` through pgSession: an unmodified session is touched on the way out (row expiry moved, cookie
 * re-sent) unless the store's `touchAfter` throttles it, in which case nothing is sent at all.
 */
import { createTestDatabase, probeTable, type TableProbe, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from './app'
import { cookieOf } from './transports'

for (const kind of ['pg', 'pglite'] as const) {
  describe(`@pgstore/hono rolling touch on ${kind}`, () => {
    let db: TestDatabase
    let probe: TableProbe
    beforeAll(async () => {
      db = await createTestDatabase(kind)
      probe = probeTable(db, db.table)
    })
    afterAll(() => db?.close())

    const sidOf = (cookie: string) => decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).split('.')[0]!
    /** Logs in, then moves the row's expiry half an hour back, so a touch is visible in the table. */
    async function loggedIn(app: ReturnType<typeof buildApp>['app']) {
      const login = await app.request('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'dora' }),
      })
      const cookie = cookieOf(login)
      await db.query(`update ${probe.name} set expires_at = expires_at - interval '30 minutes'`)
      return { cookie, backdated: (await probe.row(sidOf(cookie)))!.expires_at }
    }

    it('touches an unmodified session once touchAfter has passed: row expiry and cookie', async () => {
      const { app, close } = buildApp(db, { rolling: true, maxAge: 3600 }, { touchAfter: 0 })
      try {
        const { cookie, backdated } = await loggedIn(app)
        const read = await app.request('/me', { headers: { cookie } })
        expect(await read.json()).toEqual({ user: 'dora' })
        const lines = read.headers.getSetCookie()
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(/Max-Age=3600/)
        expect(cookieOf(read), 'the same id is re-sent').toBe(cookie)
        const row = await probe.row(sidOf(cookie))
        expect(row!.expires_at.getTime()).toBeGreaterThan(backdated.getTime())
        expect(row!.data).toMatchObject({ user: 'dora' })
      } finally {
        await close()
      }
    })

    it('sends nothing inside touchAfter of the last write', async () => {
      const { app, close } = buildApp(db, { rolling: true }, { touchAfter: 3_600_000 })
      try {
        const { cookie, backdated } = await loggedIn(app)
        const read = await app.request('/me', { headers: { cookie } })
        expect(await read.json()).toEqual({ user: 'dora' })
        expect(read.headers.getSetCookie()).toEqual([])
        expect((await probe.row(sidOf(cookie)))!.expires_at).toEqual(backdated)
      } finally {
        await close()
      }
    })

    it('never touches without rolling', async () => {
      const { app, close } = buildApp(db, {}, { touchAfter: 0 })
      try {
        const { cookie, backdated } = await loggedIn(app)
        const read = await app.request('/me', { headers: { cookie } })
        expect(read.headers.getSetCookie()).toEqual([])
        expect((await probe.row(sidOf(cookie)))!.expires_at).toEqual(backdated)
      } finally {
        await close()
      }
    })
  })
}
