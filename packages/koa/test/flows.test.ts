/**
 * koa-session 7 on Koa 3 over real PostgreSQL, request by request: what the browser gets back and what is
 * at rest after each behaviour the issue names.
 */
import { PgStore } from '@pgstore/core'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PgSessionStore, pgSessionStore } from '../src'
import { cookieHeader, createApp, jar, KEY_A, KEY_B, probe, setCookies } from './helpers'

let db: TestDatabase
let eager: PgSessionStore
let throttled: PgSessionStore
let p: ReturnType<typeof probe>
const TTL = 7_200_000

beforeAll(async () => {
  db = await createTestDatabase('pg')
  const base = { db: db.db, table: db.table, createTable: true, prune: false, ttl: TTL } as const
  eager = pgSessionStore({ ...base, touchAfter: 0 })
  throttled = pgSessionStore({ store: new PgStore({ ...base, touchAfter: 60_000 }) })
  p = probe(db)
})
afterAll(async () => {
  await eager?.store.close()
  await throttled?.store.close()
  await db?.close()
})

/** Starts a session with n = 1 and returns its cookies and key. */
async function start(app: ReturnType<typeof createApp>, path = '/count') {
  const res = await request(app.callback()).get(path).expect(200)
  const cookies = jar(res)
  const key = cookies['koa.sess']
  expect(key, 'a session cookie was set').toBeTruthy()
  return { res, cookies, key: key! }
}

describe('numeric maxAge', () => {
  it('stores a hashed key, the data without _expire, and the row expiry at maxAge (+10 s koa-session asks for)', async () => {
    const app = createApp(eager)
    const before = Date.now()
    const { res, cookies, key } = await start(app)
    expect(res.body).toEqual({ n: 1, user: null, isNew: true })
    expect(setCookies(res).get('koa.sess')!.raw).toMatch(/expires=/i)
    expect(cookies['koa.sess.sig'], 'signed by default').toBeTruthy()
    expect(await db.query(`select 1 from ${p.table} where id = $1`, [key])).toHaveLength(0)
    const row = await p.row(key)
    expect(row!.data).toEqual({ n: 1, _maxAge: 60_000 })
    expect(row!.expires_at.getTime()).toBeGreaterThanOrEqual(before + 69_000)
    expect(row!.expires_at.getTime()).toBeLessThanOrEqual(Date.now() + 71_000)

    const next = await request(app.callback()).get('/count').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(next.body).toEqual({ n: 2, user: null, isNew: false })
    expect((await p.row(key))!.data).toEqual({ n: 2, _maxAge: 60_000 })
  })

  it('a session whose row expired is a new session, even with a valid signed cookie', async () => {
    const app = createApp(eager)
    const { cookies, key } = await start(app)
    await p.expireIn(key, -1_000)
    const res = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(res.body).toEqual({ n: null, user: null, isNew: true })
  })
})

describe("maxAge: 'session'", () => {
  it('sends a browser-session cookie and keeps the row for the store ttl, so it is still pruned', async () => {
    const app = createApp(eager, { maxAge: 'session' })
    const before = Date.now()
    const { res, cookies, key } = await start(app)
    const raw = setCookies(res).get('koa.sess')!.raw
    expect(raw).not.toMatch(/expires=|max-age=/i)
    const row = await p.row(key)
    expect(row!.data).toEqual({ n: 1, _session: true })
    expect(row!.expires_at.getTime()).toBeGreaterThanOrEqual(before + TTL - 1_000)
    expect(row!.expires_at.getTime()).toBeLessThanOrEqual(Date.now() + TTL + 1_000)

    const next = await request(app.callback()).get('/count').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(next.body).toEqual({ n: 2, user: null, isNew: false })
    expect(setCookies(next).get('koa.sess')!.raw).not.toMatch(/expires=|max-age=/i)
    expect((await p.row(key))!.data).toEqual({ n: 2, _session: true })
  })
})

describe('rolling', () => {
  it('an unchanged request moves the expiry by a touch and leaves data written meanwhile alone', async () => {
    const app = createApp(
      eager,
      { rolling: true },
      { duringRequest: (key) => p.writeBehind(key, 'other', 'x') },
    )
    const { cookies, key } = await start(app)
    // 5 s left for koa-session: the row keeps the 10 s it adds past the session's _expire.
    await p.expireIn(key, 15_000)
    const res = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(res.body).toEqual({ n: 1, user: null, isNew: false })
    expect(setCookies(res).get('koa.sess')!.value, 'rolling re-sends the cookie').toBe(key)
    const row = await p.row(key)
    expect(row!.data, 'a rewrite would have dropped the concurrent field').toEqual({
      n: 1,
      _maxAge: 60_000,
      other: 'x',
    })
    expect(row!.expires_at.getTime()).toBeGreaterThan(Date.now() + 60_000)
  })

  it('a changed request rewrites the data', async () => {
    const app = createApp(eager, { rolling: true })
    const { cookies, key } = await start(app)
    await request(app.callback()).get('/count').set('Cookie', cookieHeader(cookies)).expect(200)
    expect((await p.row(key))!.data).toEqual({ n: 2, _maxAge: 60_000 })
  })

  it('inside touchAfter the touch sends no write, while the cookie still rolls', async () => {
    const app = createApp(throttled, { rolling: true })
    const { cookies, key } = await start(app)
    const pinned = await p.expireIn(key, 45_000)
    const { updated_at } = (await p.row(key))!
    const res = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(setCookies(res).has('koa.sess')).toBe(true)
    const row = await p.row(key)
    expect(row!.expires_at.getTime()).toBe(pinned.getTime())
    expect(row!.updated_at.getTime()).toBe(updated_at.getTime())
  })
})

describe('renew', () => {
  it('does nothing while more than half of maxAge is left', async () => {
    const app = createApp(eager, { renew: true })
    const { cookies, key } = await start(app)
    const pinned = await p.expireIn(key, 50_000)
    const res = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(setCookies(res).has('koa.sess')).toBe(false)
    expect((await p.row(key))!.expires_at.getTime()).toBe(pinned.getTime())
  })

  it('extends a session past half its life by a touch, not a rewrite', async () => {
    const app = createApp(
      eager,
      { renew: true },
      { duringRequest: (key) => p.writeBehind(key, 'other', 'y') },
    )
    const { cookies, key } = await start(app)
    await p.expireIn(key, 20_000)
    const res = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(res.body.isNew).toBe(false)
    expect(setCookies(res).get('koa.sess')!.value).toBe(key)
    const row = await p.row(key)
    expect(row!.data).toEqual({ n: 1, _maxAge: 60_000, other: 'y' })
    expect(row!.expires_at.getTime()).toBeGreaterThan(Date.now() + 60_000)
  })
})

describe('regenerate', () => {
  // With autoCommit off the regenerate is the only save, and koa-session marks it `changed: false`:
  // a rolling store that took that for a touch would lose the session.
  it.each([
    ['autoCommit', { rolling: false }],
    ['rolling', { rolling: true }],
    ['rolling, manual commit', { rolling: true, autoCommit: false }],
  ] as const)('issues a new key, deletes the old row and keeps the data (%s)', async (_label, options) => {
    const app = createApp(eager, options)
    const { cookies, key } = await start(app, '/count?commit=1')
    const res = await request(app.callback()).post('/login').set('Cookie', cookieHeader(cookies)).expect(200)
    const after = jar(res, cookies)
    const fresh = after['koa.sess']!
    expect(fresh).toBeTruthy()
    expect(fresh).not.toBe(key)
    expect(await p.row(key)).toBeUndefined()
    expect((await p.row(fresh))!.data).toMatchObject({ n: 1, user: 'ada' })

    const me = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(after)).expect(200)
    expect(me.body).toEqual({ n: 1, user: 'ada', isNew: false })
    const old = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(old.body.isNew).toBe(true)
  })
})

describe('forced saves write the data', () => {
  it('save() with rolling and manual commit stores the change', async () => {
    const app = createApp(eager, { rolling: true, autoCommit: false })
    const { cookies, key } = await start(app, '/count?commit=1')
    await request(app.callback()).get('/save').set('Cookie', cookieHeader(cookies)).expect(200)
    expect((await p.row(key))!.data).toEqual({ n: 1, saved: true, _maxAge: 60_000 })
  })

  it('a new ctx.session.maxAge is stored with the session and sets the row expiry', async () => {
    const app = createApp(eager, { rolling: true })
    const { cookies, key } = await start(app)
    const before = Date.now()
    await request(app.callback()).get('/maxage?ms=120000').set('Cookie', cookieHeader(cookies)).expect(200)
    const row = await p.row(key)
    expect(row!.data).toEqual({ n: 1, _maxAge: 120_000 })
    expect(row!.expires_at.getTime()).toBeGreaterThanOrEqual(before + 129_000)
  })
})

describe('ctx.session = null', () => {
  it('deletes the row and expires the cookie', async () => {
    const app = createApp(eager)
    const { cookies, key } = await start(app)
    const res = await request(app.callback()).get('/logout').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(setCookies(res).get('koa.sess')!.raw).toMatch(/expires=Thu, 01 Jan 1970/i)
    expect(await p.row(key)).toBeUndefined()
    const again = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(again.body.isNew).toBe(true)
  })
})

describe('manuallyCommit', () => {
  it('writes nothing until the route commits, then writes once', async () => {
    const app = createApp(eager, { autoCommit: false })
    const rows = await p.count()
    const quiet = await request(app.callback()).get('/count').expect(200)
    expect(setCookies(quiet).size).toBe(0)
    expect(await p.count()).toBe(rows)

    const committed = await request(app.callback()).get('/count?commit=1').expect(200)
    const key = jar(committed)['koa.sess']!
    expect(key).toBeTruthy()
    expect(await p.count()).toBe(rows + 1)
    expect((await p.row(key))!.data).toEqual({ n: 1, _maxAge: 60_000 })
  })
})

describe('app.keys rotation', () => {
  it('accepts a cookie signed by an older key, re-signs it with the new one, and refuses unknown keys', async () => {
    const app = createApp(eager)
    const { cookies, key } = await start(app)

    app.keys = [KEY_B, KEY_A]
    const rotated = await request(app.callback())
      .get('/peek')
      .set('Cookie', cookieHeader(cookies))
      .expect(200)
    expect(rotated.body).toEqual({ n: 1, user: null, isNew: false })
    const resigned = jar(rotated, cookies)
    expect(resigned['koa.sess.sig']).not.toBe(cookies['koa.sess.sig'])

    app.keys = [KEY_B]
    const onlyNew = await request(app.callback())
      .get('/peek')
      .set('Cookie', cookieHeader(resigned))
      .expect(200)
    expect(onlyNew.body.isNew).toBe(false)
    const oldSig = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(oldSig.body.isNew).toBe(true)
    expect(await p.row(key), 'a refused signature does not delete the row').toBeDefined()
  })
})

describe('externalKey', () => {
  it('keeps the key in a header instead of a cookie', async () => {
    const app = createApp(eager, {
      externalKey: {
        get: (ctx) => ctx.get('x-session'),
        set: (ctx, value) => ctx.set('x-session', value),
      },
    })
    const first = await request(app.callback()).get('/count').expect(200)
    const key = first.headers['x-session'] as string
    expect(key).toBeTruthy()
    const second = await request(app.callback()).get('/count').set('x-session', key).expect(200)
    expect(second.body.n).toBe(2)
    expect((await p.row(key))!.data).toMatchObject({ n: 2 })
  })
})
