/**
 * The storage through React Router's request handler, on PostgreSQL and PGlite: login, read, logout, a
 * revocation that a stale commit cannot undo, tampering, flash, touch throttling and secret rotation.
 * Probes read the table, so what is at rest is checked, not only what the routes answer.
 */
import { isPgStoreError, PgStore, type PgStoreOptions } from '@pgstore/core'
import { gate, probeTable, type TableProbe, useTestDatabase } from '@pgstore/testing'
import { createRequestHandler, createSession } from 'react-router'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createPgSessionStorage } from '../src/index'
import { actionRoutes, buildOf, cookieOf, type Data, type Flash, post, routesOver } from './app'

const SECRET = 'react-router-flows-secret-0123456789-abcd'
const OLD_SECRET = 'react-router-flows-old-secret-0123456789-xy'
const sidOf = (cookie: string) => decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).split('.')[0]!

for (const kind of ['pg', 'pglite'] as const) {
  describe(`@pgstore/react-router flows on ${kind}`, () => {
    const db = useTestDatabase(kind, { createTable: true })
    let probe: TableProbe
    beforeAll(() => {
      probe = probeTable(db, db.table)
    })
    // Every test logs alice in; revocation counts her sessions, so each test starts from an empty table.
    beforeEach(() => db.query(`delete from ${probe.name}`))

    /** A storage over its own PgStore on the test table, and React Router's handler over the routes. */
    function appWith(options: Partial<PgStoreOptions<Data>> = {}, secrets = [SECRET]) {
      const store = new PgStore<Data>({
        db: db.db,
        table: db.table,
        prune: false,
        userId: (data) => data.user,
        ...options,
      })
      const storage = createPgSessionStorage<Data, Flash>({ store, secrets })
      const handler = createRequestHandler(buildOf(actionRoutes(routesOver(storage))), 'production')
      const send = async (route: string, cookie?: string) => {
        const response = await handler(post(route, cookie))
        return { response, body: (await response.json()) as Record<string, unknown> }
      }
      return { store, storage, send, close: () => store.close() }
    }

    it('logs in with a new id, reads the user back, and stores only a digest of the id', async () => {
      const app = appWith()
      try {
        const anonymous = cookieOf((await app.send('count')).response)
        const login = await app.send('login', anonymous)
        const cookie = cookieOf(login.response)
        expect(login.response.headers.getSetCookie()[0]).toMatch(/HttpOnly.*SameSite=Lax/)
        expect(sidOf(cookie)).not.toBe(sidOf(anonymous))
        expect((await app.send('whoami', cookie)).body).toEqual({ user: 'alice' })
        expect((await probe.row(sidOf(cookie)))!.data).toMatchObject({ user: 'alice', views: 1 })
        expect(await probe.row(sidOf(anonymous)), 'the pre-login row is gone').toBeUndefined()
        const raw = await db.query(`select 1 from ${probe.name} where id = $1`, [sidOf(cookie)])
        expect(raw, 'the id itself is never stored').toHaveLength(0)
      } finally {
        await app.close()
      }
    })

    it('logs out: the row goes, the cookie is expired and the old cookie stays dead', async () => {
      const app = appWith()
      try {
        const cookie = cookieOf((await app.send('login')).response)
        const logout = await app.send('logout', cookie)
        expect(logout.response.headers.getSetCookie()[0]).toMatch(/Max-Age=0/)
        expect(await probe.row(sidOf(cookie))).toBeUndefined()
        expect((await app.send('whoami', cookie)).body).toEqual({ user: null })
        // A commit with the old cookie starts a new session; the old id is not written again.
        const again = await app.send('count', cookie)
        expect(again.body).toEqual({ views: 1 })
        expect(sidOf(cookieOf(again.response))).not.toBe(sidOf(cookie))
        expect(await probe.row(sidOf(cookie))).toBeUndefined()
      } finally {
        await app.close()
      }
    })

    it('keeps a session revoked elsewhere revoked when a request that loaded it commits after', async () => {
      const app = appWith()
      const held = gate()
      const routes = routesOver(app.storage)
      const handler = createRequestHandler(
        buildOf(
          actionRoutes({
            ...routes,
            async stale({ request }) {
              const session = await app.storage.getSession(request.headers.get('cookie'))
              held.entered()
              await held.open
              session.set('views', 99)
              return Response.json(
                {},
                { headers: { 'set-cookie': await app.storage.commitSession(session) } },
              )
            },
          }),
        ),
        'production',
      )
      try {
        const cookie = cookieOf((await app.send('login')).response)
        const pending = handler(post('stale', cookie))
        await held.inside
        expect(await app.store.destroyByUser('alice')).toBe(1)
        held.release()
        const stale = await pending
        expect(stale.headers.getSetCookie()[0], 'the answer clears the cookie').toMatch(/Max-Age=0/)
        expect(await probe.row(sidOf(cookie)), 'the row was not brought back').toBeUndefined()
        expect((await app.send('whoami', cookie)).body).toEqual({ user: null })
      } finally {
        held.release()
        await app.close()
      }
    })

    it('revokes every session of a user with store.destroyByUser', async () => {
      const app = appWith()
      try {
        const phone = cookieOf((await app.send('login')).response)
        const laptop = cookieOf((await app.send('login')).response)
        expect(await app.store.destroyByUser('alice')).toBe(2)
        for (const cookie of [phone, laptop]) {
          expect((await app.send('whoami', cookie)).body).toEqual({ user: null })
        }
      } finally {
        await app.close()
      }
    })

    it('answers a tampered cookie with a new session, never an error', async () => {
      const app = appWith()
      try {
        const cookie = cookieOf((await app.send('login')).response)
        const at = cookie.indexOf('=') + 3
        const tampered = `${cookie.slice(0, at)}${cookie[at] === 'A' ? 'B' : 'A'}${cookie.slice(at + 1)}`
        const read = await app.send('whoami', tampered)
        expect(read.response.status).toBe(200)
        expect(read.body).toEqual({ user: null })
        const count = await app.send('count', tampered)
        expect(count.body).toEqual({ views: 1 })
        expect(sidOf(cookieOf(count.response))).not.toBe(sidOf(tampered))
      } finally {
        await app.close()
      }
    })

    it('returns a flash once, on the next request', async () => {
      const app = appWith()
      try {
        const cookie = cookieOf((await app.send('flash')).response)
        expect((await app.send('notice', cookie)).body).toEqual({ notice: 'saved' })
        expect((await app.send('notice', cookie)).body).toEqual({ notice: null })
        expect((await probe.row(sidOf(cookie)))!.data).toEqual({})
      } finally {
        await app.close()
      }
    })

    it('touches an unchanged session on commit once touchAfter has passed: row expiry and cookie', async () => {
      const app = appWith({ touchAfter: 0 })
      try {
        const cookie = cookieOf((await app.send('login')).response)
        await db.query(`update ${probe.name} set expires_at = expires_at - interval '30 minutes'`)
        const backdated = (await probe.row(sidOf(cookie)))!.expires_at
        const visit = await app.send('visit', cookie)
        expect(visit.body).toEqual({ user: 'alice' })
        expect(cookieOf(visit.response), 'the same id is re-sent').toBe(cookie)
        expect((await probe.row(sidOf(cookie)))!.expires_at.getTime()).toBeGreaterThan(backdated.getTime())
      } finally {
        await app.close()
      }
    })

    it('writes nothing for an unchanged commit inside touchAfter, and still answers with the cookie', async () => {
      const app = appWith({ touchAfter: 3_600_000 })
      try {
        const cookie = cookieOf((await app.send('login')).response)
        await db.query(`update ${probe.name} set expires_at = expires_at - interval '30 minutes'`)
        const before = (await probe.row(sidOf(cookie)))!
        const visit = await app.send('visit', cookie)
        expect(visit.response.headers.getSetCookie()[0]).toMatch(/Max-Age=1209600/)
        expect(cookieOf(visit.response)).toBe(cookie)
        const after = (await probe.row(sidOf(cookie)))!
        expect(after.expires_at).toEqual(before.expires_at)
        expect(after.updated_at).toEqual(before.updated_at)
      } finally {
        await app.close()
      }
    })

    it('verifies cookies signed with an older secret while it is listed, and not after', async () => {
      const old = appWith({}, [OLD_SECRET])
      const rotated = appWith({}, [SECRET, OLD_SECRET])
      const dropped = appWith({}, [SECRET])
      try {
        const cookie = cookieOf((await old.send('login')).response)
        expect((await rotated.send('whoami', cookie)).body).toEqual({ user: 'alice' })
        expect((await dropped.send('whoami', cookie)).body).toEqual({ user: null })
      } finally {
        await Promise.all([old.close(), rotated.close(), dropped.close()])
      }
    })

    it('stores nothing for a commit of a new session that holds nothing, and expires the cookie', async () => {
      const app = appWith()
      try {
        const visit = await app.send('visit', 'pgsid=stale')
        expect(visit.body).toEqual({ user: null })
        expect(visit.response.headers.getSetCookie()[0]).toMatch(/^pgsid=; .*Max-Age=0/)
        expect(await probe.count()).toBe(0)
      } finally {
        await app.close()
      }
    })

    it('lengthens a session with commitSession(session, { maxAge }), and refuses a foreign session', async () => {
      const app = appWith()
      try {
        const session = await app.storage.getSession(null)
        session.set('user', 'alice')
        const line = await app.storage.commitSession(session, { maxAge: 30 * 86_400 })
        expect(line).toMatch(/Max-Age=2592000/)
        expect(session.id).not.toBe('')
        const err = await app.storage.commitSession(createSession({}, session.id)).catch((e: unknown) => e)
        expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
      } finally {
        await app.close()
      }
    })
  })
}
