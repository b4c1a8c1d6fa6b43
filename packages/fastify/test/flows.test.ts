/**
 * @fastify/session flows through a real Fastify 5 app on PostgreSQL and PGlite, driven with `app.inject`,
 * with probes on the table itself.
 */
import { type DbKind, digest, gate, probeTable, useTestDatabase } from '@pgstore/testing'
import type { FastifyInstance, Session } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { PgSessionStore, type PgSessionStoreOptions } from '../src'
import { type AppHooks, createApp, sessionCookie } from './app'

describe.each<DbKind>(['pg', 'pglite'])('fastify flows on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  const opened: Array<{ close(): Promise<unknown> }> = []
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()))
  })

  async function appWith(options: Partial<PgSessionStoreOptions> = {}, hooks: AppHooks = {}) {
    const store = new PgSessionStore({
      db: db.db,
      table: db.table,
      prune: false,
      userId: (s: Session) => s.user,
      ...options,
    } as PgSessionStoreOptions)
    const app = await createApp(store, { cookie: { maxAge: 3_600_000 } }, hooks)
    opened.push(app, store)
    return { app, store }
  }
  const row = (sid: string) => probeTable(db, db.table).row(sid)
  const send = (app: FastifyInstance, method: 'GET' | 'POST', url: string, cookie?: string) =>
    app.inject({ method, url, headers: { 'user-agent': 'flow-test', ...(cookie ? { cookie } : {}) } })

  it('an anonymous read writes no row and sends no cookie', async () => {
    const { app } = await appWith()
    const before = await probeTable(db, db.table).count()
    const res = await send(app, 'GET', '/whoami')
    expect(res.statusCode).toBe(200)
    expect(sessionCookie(res)).toBeUndefined()
    expect(await probeTable(db, db.table).count()).toBe(before)
  })

  // The metadata proves the store found the request inside @fastify/session's Session (a private symbol).
  it('login creates a session: a row under the digest, with the user id and the request metadata', async () => {
    const { app, store } = await appWith()
    const res = await send(app, 'POST', '/login/ann')
    const { id } = res.json()
    expect(sessionCookie(res)).toMatch(/^sessionId=/)
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await row(id)).toMatchObject({ id: digest(id), user_id: 'ann', data: { user: 'ann' } })
    const [entry] = await store.store.listByUser('ann', { current: id })
    expect(entry).toMatchObject({ current: true, meta: { userAgent: 'flow-test' } })
  })

  it('reads persist: the same cookie finds the session and counts on', async () => {
    const { app } = await appWith()
    const first = await send(app, 'POST', '/views')
    const cookie = sessionCookie(first)!
    const second = await send(app, 'POST', '/views', cookie)
    expect(second.json()).toEqual({ id: first.json().id, views: 2 })
    expect((await send(app, 'GET', '/whoami', cookie)).json()).toMatchObject({
      id: first.json().id,
      views: 2,
    })
    expect((await row(first.json().id))!.data.views).toBe(2)
  })

  it('logout destroys the row; the old cookie then gets a fresh session and the row stays gone', async () => {
    const { app } = await appWith()
    const login = await send(app, 'POST', '/login/ben')
    const cookie = sessionCookie(login)!
    expect((await send(app, 'POST', '/logout', cookie)).statusCode).toBe(200)
    expect(await row(login.json().id)).toBeUndefined()
    const after = await send(app, 'GET', '/whoami', cookie)
    expect(after.json()).toMatchObject({ user: null, views: 0 })
    expect(after.json().id).not.toBe(login.json().id)
    const write = await send(app, 'POST', '/views', cookie)
    expect(write.json().id).not.toBe(login.json().id)
    expect(await row(login.json().id)).toBeUndefined()
  })

  it('regenerate moves the session to a new id, keeps what it was told to, and deletes the old row', async () => {
    const { app } = await appWith()
    const first = await send(app, 'POST', '/views')
    const login = await send(app, 'POST', '/login/cat', sessionCookie(first)!)
    expect(login.json().id).not.toBe(first.json().id)
    expect(await row(first.json().id)).toBeUndefined()
    expect((await row(login.json().id))!.data).toMatchObject({ user: 'cat', views: 1 })
    const old = await send(app, 'GET', '/whoami', sessionCookie(first)!)
    expect(old.json()).toMatchObject({ user: null, views: 0 })
  })

  it('a tampered cookie gets a new session, and the session it named is left as it was', async () => {
    const { app } = await appWith()
    const first = await send(app, 'POST', '/views')
    const cookie = sessionCookie(first)!
    const tampered = cookie.slice(0, -2) + (cookie.endsWith('AA') ? 'BB' : 'AA')
    const res = await send(app, 'POST', '/views', tampered)
    expect(res.json().views).toBe(1)
    expect(res.json().id).not.toBe(first.json().id)
    expect((await row(first.json().id))!.data.views).toBe(1)
  })

  it('after a secret rotation an old cookie loads its session; a change saves it under the same id', async () => {
    const OLD = 'old-secret-old-secret-old-secret-0001'
    const NEW = 'new-secret-new-secret-new-secret-0002'
    const store = new PgSessionStore({ db: db.db, table: db.table, prune: false })
    const before = await createApp(store, { secret: OLD })
    const after = await createApp(store, { secret: [NEW, OLD] })
    opened.push(before, after, store)
    const first = await send(before, 'POST', '/views')
    const { id } = first.json()
    const old = sessionCookie(first)!

    const changed = await send(after, 'POST', '/views', old)
    expect(changed.json(), 'an update of the loaded row, not a create').toEqual({ id, views: 2 })
    expect((await row(id))!.data.views).toBe(2)
    const resigned = sessionCookie(changed)!
    expect(resigned).not.toBe(old)
    expect((await send(after, 'GET', '/whoami', resigned)).json()).toMatchObject({ id, views: 2 })

    // @fastify/session 11 itself clears an old-secret cookie on a request that changes nothing (with
    // saveUninitialized: false it neither saves nor re-signs such a session); the README says so. The
    // row is left alone.
    const unchanged = await send(after, 'GET', '/whoami', old)
    expect(unchanged.json()).toMatchObject({ id, views: 2 })
    expect(unchanged.headers['set-cookie']).toMatch(/^sessionId=;/)
    expect((await row(id))!.data.views).toBe(2)
  })

  it('an unchanged request touches: the expiry moves, a write made while it ran is kept', async () => {
    const concurrentWrite = async (sid: string) => {
      await db.query(
        `update ${db.sessions} set expires_at = now() + interval '10 seconds', data = jsonb_set(data, '{marker}', '"kept"') where id = $1`,
        [digest(sid)],
      )
    }
    const { app } = await appWith({ touchAfter: 0 }, { midRequest: concurrentWrite })
    const first = await send(app, 'POST', '/views')
    const { id } = first.json()
    const res = await send(app, 'GET', '/slow-read', sessionCookie(first)!)
    expect(sessionCookie(res), 'rolling: the cookie is sent again').toBeDefined()
    const after = (await row(id))!
    expect(after.expires_at.getTime()).toBeGreaterThan(Date.now() + 3_000_000)
    expect(after.data.marker, 'a full write would have put back the data the request read').toBe('kept')
  })

  it('inside touchAfter an unchanged request writes nothing; with touchAfter: 0 it touches', async () => {
    for (const touchAfter of [60_000, 0]) {
      const { app } = await appWith({ touchAfter })
      const first = await send(app, 'POST', '/views')
      const { id } = first.json()
      await db.query(`update ${db.sessions} set expires_at = '2100-01-01T00:00:00Z' where id = $1`, [
        digest(id),
      ])
      expect((await send(app, 'GET', '/whoami', sessionCookie(first)!)).statusCode).toBe(200)
      const expires = (await row(id))!.expires_at.toISOString()
      expect(expires === '2100-01-01T00:00:00.000Z', `touchAfter: ${touchAfter}`).toBe(touchAfter > 0)
    }
  })

  it('a session revoked while a request that loaded it runs stays revoked, changed or not', async () => {
    for (const route of ['/slow-read', '/slow-write']) {
      let held = gate()
      const { app } = await appWith(
        { touchAfter: 0 },
        {
          midRequest: async () => {
            held.entered()
            await held.open
          },
        },
      )
      const login = await send(app, 'POST', '/login/dan')
      held = gate()
      const slow = send(app, route.startsWith('/slow-read') ? 'GET' : 'POST', route, sessionCookie(login)!)
      await held.inside
      await db.query(`delete from ${db.sessions} where id = $1`, [digest(login.json().id)])
      held.release()
      expect((await slow).statusCode).toBe(200)
      expect(await row(login.json().id), route).toBeUndefined()
    }
  })
})
