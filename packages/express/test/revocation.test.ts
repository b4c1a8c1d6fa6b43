/**
 * Races an attacker would try: a request that loaded the session is still running when the session is
 * revoked (log out everywhere, a logout in another tab, a login that regenerates the id). When it ends and
 * express-session saves, the revoked session must not come back.
 */
import { type DbKind, digest, gate, useTestDatabase } from '@pgstore/testing'
import express from 'express'
import session, { type SessionData } from 'express-session'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgSessionStore } from '../src'
import { sessionCookie, TEST_SECRET } from './app'

declare module 'express-session' {
  interface SessionData {
    n: number
  }
}

describe.each<DbKind>(['pg', 'pglite'])('express: a revoked session stays revoked on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  let store: PgSessionStore
  let app: express.Express
  let held = gate()

  beforeAll(async () => {
    store = new PgSessionStore({
      db: db.db,
      table: db.table,
      prune: false,
      userId: (s: SessionData) => s.user,
    })
    app = express()
    app.use(
      session({
        store,
        secret: TEST_SECRET,
        resave: false,
        saveUninitialized: false,
      }),
    )
    app.post('/login/:user', (req, res, next) => {
      req.session.regenerate((err) => {
        if (err) return next(err)
        req.session.user = req.params.user
        res.json({ id: req.sessionID })
      })
    })
    app.post('/slow', async (req, res) => {
      held.entered()
      await held.open
      req.session.n = (req.session.n ?? 0) + 1
      res.json({ user: req.session.user ?? null })
    })
    app.post('/logout', (req, res, next) => {
      req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })))
    })
    app.get('/whoami', (req, res) => {
      res.json({ user: req.session.user ?? null, n: req.session.n ?? null })
    })
  })
  afterAll(async () => {
    await store.close()
  })

  async function login(user: string): Promise<{ cookie: string; id: string }> {
    const res = await request(app).post(`/login/${user}`).expect(200)
    return { cookie: sessionCookie(res)!, id: res.body.id }
  }

  /** Starts a slow write with `cookie`, runs `revoke` while it is in flight, then lets it finish. */
  async function racing(cookie: string, revoke: () => Promise<unknown>): Promise<void> {
    held = gate()
    const slow = request(app)
      .post('/slow')
      .set('Cookie', cookie)
      .then((r) => r)
    await held.inside
    await revoke()
    held.release()
    expect((await slow).status).toBe(200)
  }

  const userRows = (user: string) =>
    db.query<{ id: string }>(`select id from ${db.sessions} where user_id = $1`, [user])

  it('destroyByUser while a write is in flight: the old cookie is anonymous afterwards', async () => {
    const alice = await login('alice')
    await racing(alice.cookie, () => store.destroyByUser('alice'))
    const after = await request(app).get('/whoami').set('Cookie', alice.cookie).expect(200)
    expect(after.body).toEqual({ user: null, n: null })
    expect(await userRows('alice')).toEqual([])
  })

  it('a logout in another tab while a write is in flight stays a logout', async () => {
    const bob = await login('bob')
    await racing(bob.cookie, () => request(app).post('/logout').set('Cookie', bob.cookie).expect(200))
    const after = await request(app).get('/whoami').set('Cookie', bob.cookie).expect(200)
    expect(after.body).toEqual({ user: null, n: null })
    expect(await userRows('bob')).toEqual([])
  })

  it('regenerate while an old-id write is in flight leaves only the new id', async () => {
    const carol = await login('carol')
    let fresh = { cookie: '', id: '' }
    await racing(carol.cookie, async () => {
      const res = await request(app).post('/login/carol').set('Cookie', carol.cookie).expect(200)
      fresh = { cookie: sessionCookie(res)!, id: res.body.id }
    })
    const old = await request(app).get('/whoami').set('Cookie', carol.cookie).expect(200)
    expect(old.body.user).toBeNull()
    const now = await request(app).get('/whoami').set('Cookie', fresh.cookie).expect(200)
    expect(now.body.user).toBe('carol')
    expect(await userRows('carol')).toEqual([{ id: digest(fresh.id) }])
  })

  it('a session that was not revoked is saved by the same slow route', async () => {
    const dave = await login('dave')
    await racing(dave.cookie, async () => undefined)
    const after = await request(app).get('/whoami').set('Cookie', dave.cookie).expect(200)
    expect(after.body).toEqual({ user: 'dave', n: 1 })
  })
})
