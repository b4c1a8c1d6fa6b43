/**
 * What a browser does with a Hono app behind pgSession, through app.request and a real server, on
 * PostgreSQL and PGlite, with the rows read back by a probe on the table.
 */
import { createTestDatabase, probeTable, type TableProbe, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildApp } from './app'
import { type Client, connect, cookieOf, TRANSPORTS } from './transports'

const url = (path: string) => `http://app.test${path}`
const sidOf = (cookie: string) => decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).split('.')[0]!

for (const kind of ['pg', 'pglite'] as const) {
  for (const transport of TRANSPORTS) {
    describe(`@pgstore/hono flows via ${transport} on ${kind}`, () => {
      let db: TestDatabase
      let probe: TableProbe
      let client: Client
      let close: () => Promise<void>
      const send = (method: string, path: string, cookie?: string, body?: unknown) =>
        client.fetch(
          new Request(url(path), {
            method,
            headers: {
              ...(cookie ? { cookie } : {}),
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          }),
        )
      const login = async (user = 'alice', cookie?: string) => {
        const response = await send('POST', '/login', cookie, { user })
        expect(response.status).toBe(200)
        return cookieOf(response)
      }

      beforeAll(async () => {
        db = await createTestDatabase(kind)
        probe = probeTable(db, db.table)
        const built = buildApp(db)
        close = built.close
        client = await connect(built.app, transport)
      })
      afterAll(async () => {
        await client?.close()
        await close?.()
        await db?.close()
      })

      it('logs in with a new id, reads the user back, and stores only a digest of the id', async () => {
        const anonymous = cookieOf(await send('POST', '/count'))
        const cookie = await login('alice', anonymous)
        expect(sidOf(cookie)).not.toBe(sidOf(anonymous))
        expect(await (await send('GET', '/me', cookie)).json()).toEqual({ user: 'alice' })
        expect((await probe.row(sidOf(cookie)))?.data).toMatchObject({ user: 'alice', views: 1 })
        expect(await probe.row(sidOf(anonymous)), 'the pre-login row is gone').toBeUndefined()
        expect(await (await send('GET', '/me', anonymous)).json()).toEqual({ user: null })
      })

      it('sends no cookie and writes no row for a read that changes nothing', async () => {
        const cookie = await login()
        const before = await probe.row(sidOf(cookie))
        const read = await send('GET', '/me', cookie)
        expect(read.headers.getSetCookie()).toEqual([])
        expect((await probe.row(sidOf(cookie)))?.updated_at).toEqual(before?.updated_at)
      })

      it('logs out: the row goes, the cookie is expired and the old cookie stays dead', async () => {
        const cookie = await login()
        const out = await send('POST', '/logout', cookie)
        expect(out.headers.getSetCookie()[0]).toMatch(/Max-Age=0/)
        expect(await probe.row(sidOf(cookie))).toBeUndefined()
        expect(await (await send('GET', '/me', cookie)).json()).toEqual({ user: null })
        // A write with the dead cookie starts a new session under a new id, never the old one.
        const again = await send('POST', '/count', cookie)
        expect(await again.json()).toEqual({ views: 1 })
        expect(sidOf(cookieOf(again))).not.toBe(sidOf(cookie))
        expect(await probe.row(sidOf(cookie))).toBeUndefined()
      })

      it('answers a tampered cookie with an anonymous session, not an error', async () => {
        const cookie = await login()
        const at = cookie.indexOf('=') + 3
        const tampered = `${cookie.slice(0, at)}${cookie[at] === 'x' ? 'y' : 'x'}${cookie.slice(at + 1)}`
        const response = await send('GET', '/me', tampered)
        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ user: null })
        expect(response.headers.getSetCookie()).toEqual([])
      })

      it('returns a flash once, on the next request', async () => {
        const cookie = cookieOf(await send('POST', '/flash'))
        expect(await (await send('GET', '/flashes', cookie)).json()).toEqual({ info: ['saved'] })
        expect(await (await send('GET', '/flashes', cookie)).json()).toEqual({ info: [] })
      })

      it('keeps a named session under its own cookie, beside the default one', async () => {
        const user = await login('bob')
        const first = await send('POST', '/cart', user)
        const lines = first.headers.getSetCookie()
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(/^pgsid-cart=/)
        const both = `${user}; ${cookieOf(first)}`
        expect(await (await send('POST', '/cart', both)).json()).toEqual({ items: 2, user: 'bob' })
        expect((await probe.row(sidOf(cookieOf(first))))?.data).toEqual({ items: 2 })
      })

      it('commits nothing when the route fails, and the error reaches Hono', async () => {
        const cookie = await login('carol')
        const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
        try {
          const failed = await send('POST', '/fail-after-write', cookie)
          expect(failed.status).toBe(500)
          expect(failed.headers.getSetCookie()).toEqual([])
          expect((await send('POST', '/fail')).headers.getSetCookie()).toEqual([])
        } finally {
          logged.mockRestore()
        }
        expect(await (await send('GET', '/me', cookie)).json()).toEqual({ user: 'carol' })
      })

      it('puts the cookie on a Response with immutable headers (Response.redirect)', async () => {
        const response = await send('POST', '/count-and-redirect')
        expect(response.status).toBe(303)
        const cookie = cookieOf(response)
        expect(cookie).toMatch(/^pgsid=/)
        expect((await probe.row(sidOf(cookie)))?.data).toEqual({ views: 1 })
      })
    })
  }
}
