/**
 * koa-session's own expiry, through Koa on PostgreSQL and PGlite: it saves `_expire = now + maxAge`, asks
 * the store for maxAge + 10 s "so the store outlives the cookie", then checks `_expire` itself on load and
 * times `renew` from it. The store must hand back that `_expire`, not the row's later expiry.
 */
import { type DbKind, useTestDatabase } from '@pgstore/testing'
import type { CreateSessionOptions } from 'koa-session'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { type PgSessionStore, type PgSessionStoreOptions, pgSessionStore } from '../src'
import { type AppHooks, cookieHeader, createApp, jar, probe, setCookies } from './helpers'

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())))

describe.each<DbKind>(['pg', 'pglite'])('koa-session expiry on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  const stores: PgSessionStore[] = []
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()))
  })

  /**
   * A Koa app over a store with the default touchAfter (60 s), so every touch below is one the throttle
   * could skip; `saved` collects the `_expire` koa-session computed on each save.
   */
  function setup(
    session: CreateSessionOptions,
    hooks: AppHooks = {},
    store: Partial<PgSessionStoreOptions> = {},
  ) {
    const adapter = pgSessionStore({
      db: db.db,
      table: db.table,
      prune: false,
      ...store,
    } as PgSessionStoreOptions)
    stores.push(adapter)
    const saved: unknown[] = []
    const recording: PgSessionStore = {
      ...adapter,
      get: (...args) => adapter.get(...args),
      set: (key, sess, ...rest) => {
        saved.push(sess._expire)
        return adapter.set(key, sess, ...rest)
      },
      destroy: (...args) => adapter.destroy(...args),
    }
    const app = createApp(recording, session, hooks)
    const expired: unknown[] = []
    app.on('session:expired', (event) => expired.push(event))
    const send = (path: string, cookies: Record<string, string>) =>
      request(app.callback()).get(path).set('Cookie', cookieHeader(cookies)).expect(200)
    return { adapter, app, saved, expired, send, p: probe(db) }
  }

  /** Starts a session; `born` is koa-session's `_expire` less maxAge, the time it saved it. */
  async function start(s: ReturnType<typeof setup>, maxAge: number) {
    // Connected first, so the session's first write is not slowed by it: the touch window counts from
    // when that write answered.
    await s.adapter.store.length()
    const res = await request(s.app.callback()).get('/count').expect(200)
    const cookies = jar(res)
    const key = cookies['koa.sess']!
    expect(key, 'a session cookie was set').toBeTruthy()
    const expire = s.saved.at(-1) as number
    expect(typeof expire).toBe('number')
    return { cookies, key, born: expire - maxAge }
  }

  it("get returns the _expire koa-session computed, and the row outlives it by koa-session's 10 s", async () => {
    const s = setup({ maxAge: 60_000 })
    const { key } = await start(s, 60_000)
    const expire = s.saved[0] as number
    const stored = await s.adapter.get(key)
    expect(stored).toEqual({ n: 1, _maxAge: 60_000, _expire: expire })
    expect((await s.p.row(key))!.expires_at.getTime()).toBe(expire + 10_000)
  })

  it('a 100 ms session is expired by koa-session after 200 ms, while its row is still there', async () => {
    const s = setup({ maxAge: 100 })
    const { cookies, key, born } = await start(s, 100)
    await sleepUntil(born + 200)
    const res = await s.send('/peek', cookies)
    expect(res.body).toEqual({ n: null, user: null, isNew: true })
    await new Promise((resolve) => setImmediate(resolve))
    expect(s.expired, 'koa-session saw _expire pass').toHaveLength(1)
    const row = await s.p.row(key)
    expect(row, 'the store outlives the cookie').toBeDefined()
    expect(row!.expires_at.getTime()).toBeGreaterThan(Date.now())
  })

  it('renew (maxAge 2 s): no Set-Cookie at 0.5 s; at 1.2 s a touch renews it, so it reads past 2 s', async () => {
    const s = setup(
      { maxAge: 2_000, renew: true },
      { duringRequest: (key) => probe(db).writeBehind(key, 'other', 'y') },
    )
    const { cookies, key, born } = await start(s, 2_000)

    await sleepUntil(born + 500)
    const early = await s.send('/peek', cookies)
    expect(early.body.isNew).toBe(false)
    expect(setCookies(early).has('koa.sess'), 'more than half of maxAge is left').toBe(false)
    expect(s.saved).toHaveLength(1)

    await sleepUntil(born + 1_200)
    const late = await s.send('/peek', cookies)
    expect(late.body.isNew).toBe(false)
    expect(setCookies(late).get('koa.sess')?.value, 'renew re-sends the cookie').toBe(key)
    expect(s.saved).toHaveLength(2)
    const renewed = s.saved[1] as number
    const row = (await s.p.row(key))!
    expect(row.expires_at.getTime(), 'the renew touch was not throttled away').toBe(renewed + 10_000)
    expect(row.data, 'a touch, not a rewrite: the field written meanwhile is kept').toEqual({
      n: 1,
      _maxAge: 2_000,
      other: 'y',
    })
    expect((await s.adapter.get(key))!._expire).toBe(renewed)

    await sleepUntil(born + 2_300)
    const after = await s.send('/peek', jar(late, cookies))
    expect(after.body, 'past the first _expire, alive thanks to the renew').toEqual({
      n: 1,
      user: null,
      isNew: false,
    })
    expect(s.expired).toEqual([])
  })

  it('rolling (maxAge 2 s): a request every 1.2 s keeps the session past its maxAge, re-sending the cookie', async () => {
    const s = setup({ maxAge: 2_000, rolling: true })
    const { key, born, ...first } = await start(s, 2_000)
    let cookies = first.cookies
    for (const at of [1_200, 2_400, 3_600]) {
      await sleepUntil(born + at)
      const res = await s.send('/peek', cookies)
      expect(res.body).toEqual({ n: 1, user: null, isNew: false })
      expect(setCookies(res).get('koa.sess')?.value).toBe(key)
      cookies = jar(res, cookies)
      const expire = s.saved.at(-1) as number
      expect((await s.p.row(key))!.expires_at.getTime(), `the touch at ${at} ms moved the row`).toBe(
        expire + 10_000,
      )
    }
    expect(s.expired).toEqual([])
  })

  it('rolling keeps the touch fast path: inside the window nothing is written, past it only the expiry moves', async () => {
    const s = setup(
      { maxAge: 2_000, rolling: true },
      { duringRequest: (key) => probe(db).writeBehind(key, 'other', 'z') },
    )
    const { cookies, key, born } = await start(s, 2_000)
    const written = (await s.p.row(key))!

    const soon = await s.send('/peek', cookies)
    expect(setCookies(soon).get('koa.sess')?.value, 'the cookie still rolls').toBe(key)
    const untouched = (await s.p.row(key))!
    expect(untouched.expires_at.getTime(), 'a throttled touch sends nothing').toBe(
      written.expires_at.getTime(),
    )
    expect(untouched.updated_at.getTime()).toBe(written.updated_at.getTime())

    await sleepUntil(born + 1_200)
    await s.send('/peek', cookies)
    const touched = (await s.p.row(key))!
    expect(touched.expires_at.getTime()).toBe((s.saved.at(-1) as number) + 10_000)
    expect(touched.expires_at.getTime()).toBeGreaterThan(written.expires_at.getTime())
    expect(touched.data, 'no rewrite: the fields written meanwhile are kept').toEqual({
      n: 1,
      _maxAge: 2_000,
      other: 'z',
    })
  })

  it("maxAge 'session' has no _expire: koa-session never expires it, the row's store ttl does", async () => {
    const s = setup({ maxAge: 'session', rolling: true }, {}, { ttl: 300, touchAfter: 0 })
    await s.adapter.store.length()
    const res = await request(s.app.callback()).get('/count').expect(200)
    const cookies = jar(res)
    const key = cookies['koa.sess']!
    expect(s.saved).toEqual([undefined])
    expect(await s.adapter.get(key)).toEqual({ n: 1, _session: true })

    const rolled = await s.send('/peek', cookies)
    expect(rolled.body.isNew).toBe(false)
    const row = (await s.p.row(key))!
    await sleepUntil(row.expires_at.getTime() + 100)
    const gone = await s.send('/peek', cookies)
    expect(gone.body.isNew, 'the row expired with the store ttl').toBe(true)
    await new Promise((resolve) => setImmediate(resolve))
    expect(s.expired, 'not by a koa-session _expire check').toEqual([])
  })
})
