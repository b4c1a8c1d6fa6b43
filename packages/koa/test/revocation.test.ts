/**
 * Races an attacker would try: a request that loaded the session is still running when the session is
 * revoked (log out everywhere, a logout in another tab, a login that regenerates the key). When it ends
 * and koa-session saves, the revoked session must not come back.
 */
import { type DbKind, digest, gate, useTestDatabase } from '@pgstore/testing'
import Koa from 'koa'
import session from 'koa-session'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PgSessionStore, pgSessionStore } from '../src'
import { cookieHeader, jar, KEY_A } from './helpers'

describe.each<DbKind>(['pg', 'pglite'])('koa: a revoked session stays revoked on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  let store: PgSessionStore
  let app: Koa
  let held = gate()

  beforeAll(async () => {
    store = pgSessionStore({
      db: db.db,
      table: db.table,
      prune: false,
      userId: (data) => (typeof data.user === 'string' ? data.user : undefined),
    })
    app = new Koa()
    app.keys = [KEY_A]
    app.silent = true
    app.use(session({ store, maxAge: 60_000 }, app))
    app.use(async (ctx) => {
      const s = ctx.session!
      if (ctx.path.startsWith('/login/')) {
        await s.regenerate()
        ctx.session!.user = ctx.path.slice('/login/'.length)
      } else if (ctx.path === '/slow') {
        held.entered()
        await held.open
        s.n = ((s.n as number | undefined) ?? 0) + 1
      } else if (ctx.path === '/logout') {
        ctx.session = null
        ctx.body = { ok: true }
        return
      }
      ctx.body = { user: ctx.session?.user ?? null, n: ctx.session?.n ?? null }
    })
  })
  afterAll(async () => {
    await store.store.close()
  })

  const call = (path: string, cookies: Record<string, string> = {}) =>
    request(app.callback()).post(path).set('Cookie', cookieHeader(cookies))

  async function login(user: string) {
    const res = await call(`/login/${user}`).expect(200)
    const cookies = jar(res)
    expect(cookies['koa.sess']).toBeTruthy()
    return cookies
  }

  /** Starts a slow write with `cookies`, runs `revoke` while it is in flight, then lets it finish. */
  async function racing(cookies: Record<string, string>, revoke: () => Promise<unknown>) {
    held = gate()
    const slow = call('/slow', cookies).then((r) => r)
    await held.inside
    await revoke()
    held.release()
    expect((await slow).status).toBe(200)
  }

  const userRows = (user: string) =>
    db.query<{ id: string }>(`select id from ${db.sessions} where user_id = $1`, [user])

  it('destroyByUser while a write is in flight: the old cookie is anonymous afterwards', async () => {
    const alice = await login('alice')
    await racing(alice, () => store.store.destroyByUser('alice'))
    expect((await call('/whoami', alice).expect(200)).body).toEqual({ user: null, n: null })
    expect(await userRows('alice')).toEqual([])
  })

  it('a logout in another tab while a write is in flight stays a logout', async () => {
    const bob = await login('bob')
    await racing(bob, () => call('/logout', bob).expect(200))
    expect((await call('/whoami', bob).expect(200)).body).toEqual({ user: null, n: null })
    expect(await userRows('bob')).toEqual([])
  })

  it('regenerate while an old-key write is in flight leaves only the new key', async () => {
    const carol = await login('carol')
    let fresh: Record<string, string> = {}
    await racing(carol, async () => {
      fresh = jar(await call('/login/carol', carol).expect(200))
    })
    expect((await call('/whoami', carol).expect(200)).body.user).toBeNull()
    expect((await call('/whoami', fresh).expect(200)).body.user).toBe('carol')
    expect(await userRows('carol')).toEqual([{ id: digest(fresh['koa.sess']!) }])
  })

  it('a session that was not revoked is saved by the same slow route', async () => {
    const dave = await login('dave')
    await racing(dave, async () => undefined)
    expect((await call('/whoami', dave).expect(200)).body).toEqual({ user: 'dave', n: 1 })
  })
})
