/**
 * sessionDefaults(options, app) checks app.keys like core checks its secrets, at startup: weak, missing or
 * non-string keys are INVALID_OPTIONS; unset rotation slots after the first are dropped, and the app then
 * signs and verifies koa-session's cookie through real requests on PostgreSQL.
 */
import { createHmac } from 'node:crypto'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import Koa from 'koa'
import session from 'koa-session'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isPgStoreError, type PgSessionStore, PgStoreError, pgSessionStore, sessionDefaults } from '../src'
import { cookieHeader, jar, KEY_A, KEY_B, setCookies } from './helpers'

let db: TestDatabase
let store: PgSessionStore

beforeAll(async () => {
  db = await createTestDatabase('pg')
  store = pgSessionStore({ db: db.db, table: db.table, createTable: true, prune: false })
})
afterAll(async () => {
  await store?.store.close()
  await db?.close()
})

/** A Koa app whose `app.keys` is `keys` (left unset for undefined), before sessionDefaults sees it. */
function appWith(keys: unknown): Koa {
  const app = new Koa()
  app.silent = true
  if (keys !== undefined) (app as { keys: unknown }).keys = keys
  return app
}

/** The error sessionDefaults throws for these app.keys; fails the test when it does not throw. */
function refusal(keys: unknown): PgStoreError {
  try {
    sessionDefaults({ store }, appWith(keys))
  } catch (err) {
    expect(err).toBeInstanceOf(PgStoreError)
    expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
    return err as PgStoreError
  }
  throw new Error('sessionDefaults accepted these app.keys')
}

/** A session app built the README's way: keys first, then sessionDefaults(options, app). */
function sessionApp(app: Koa): Koa {
  app.use(session(sessionDefaults({ store, maxAge: 60_000 }, app), app))
  app.use((ctx) => {
    ctx.session!.n = ((ctx.session!.n as number | undefined) ?? 0) + 1
    ctx.body = { n: ctx.session!.n }
  })
  return app
}

/** koa-session's signature cookie: Keygrip's HMAC-SHA1 of `name=value`, base64url. */
const keygripSig = (data: string, key: string) => createHmac('sha1', key).update(data).digest('base64url')

describe('sessionDefaults(options, app) and app.keys', () => {
  it('refuses a short key, naming the rule but never the key', () => {
    for (const short of ['Q', 'short-but-secret', 'y'.repeat(31)]) {
      const err = refusal([short])
      expect(err.message).toMatch(/app\.keys\[0\] is shorter than 32 characters/)
      expect(err.message).not.toContain(short)
    }
    const err = refusal([KEY_A, 'old-and-short-key'])
    expect(err.message).toMatch(/app\.keys\[1\] is shorter than 32 characters/)
    expect(err.message).not.toContain('old-and-short-key')
    expect(err.message).not.toContain(KEY_A)
  })

  it('refuses empty or missing keys', () => {
    expect(refusal(undefined).message).toMatch(/app\.keys is not set/)
    for (const missing of [[], [''], [undefined], null]) {
      expect(refusal(missing).message).toMatch(/app\.keys is not set/)
    }
  })

  it('refuses [undefined, good]: the first key signs, so it must be set', () => {
    const err = refusal([undefined, KEY_A])
    expect(err.message).toMatch(/app\.keys is not set/)
    expect(err.message).not.toContain(KEY_A)
    expect(refusal([null, KEY_A]).code).toBe('INVALID_OPTIONS')
    expect(refusal(['', KEY_A]).code).toBe('INVALID_OPTIONS')
  })

  it('refuses keys that are not strings, and app.keys that is not a list', () => {
    for (const [bad, kind] of [
      [[42], 'a number'],
      [[KEY_A, 42], 'a number'],
      [[KEY_A, Buffer.from(KEY_B)], 'an object'],
      [[KEY_A, [KEY_B]], 'an array'],
    ] as const) {
      const err = refusal(bad)
      expect(err.message).toContain(`must be a string of at least 32 characters, not ${kind}`)
      expect(err.message).not.toContain(KEY_A)
      expect(err.message).not.toContain(KEY_B)
    }
    for (const bad of [KEY_A, 42, { key: KEY_A }]) {
      const err = refusal(bad)
      expect(err.message).toMatch(/app\.keys must be an array of keys/)
      expect(err.message).not.toContain(KEY_A)
    }
  })

  it('fails at startup, before the app answers anything', () => {
    const app = appWith(['short'])
    expect(() => sessionApp(app)).toThrow(PgStoreError)
    expect(app.middleware).toHaveLength(0)
  })

  it('[good, undefined] drops the unset slot, then signs and verifies cookies through real requests', async () => {
    const app = sessionApp(appWith([KEY_A, undefined, null, '']))
    expect(app.keys).toEqual([KEY_A])

    const first = await request(app.callback()).get('/').expect(200)
    const cookies = jar(first)
    const sid = cookies['koa.sess']!
    expect(cookies['koa.sess.sig']).toBe(keygripSig(`koa.sess=${sid}`, KEY_A))
    const second = await request(app.callback()).get('/').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(second.body).toEqual({ n: 2 })

    // Before the fix Keygrip tried the unset key too and answered 500 to any tampered signature.
    const tampered = cookieHeader({
      ...cookies,
      'koa.sess.sig': `${cookies['koa.sess.sig']!.slice(0, -4)}AAAA`,
    })
    const fresh = await request(app.callback()).get('/').set('Cookie', tampered).expect(200)
    expect(fresh.body).toEqual({ n: 1 })
    expect(setCookies(fresh).get('koa.sess')!.value).not.toBe(sid)
    const foreign = cookieHeader({ 'koa.sess': sid, 'koa.sess.sig': keygripSig(`koa.sess=${sid}`, KEY_B) })
    expect((await request(app.callback()).get('/').set('Cookie', foreign).expect(200)).body).toEqual({ n: 1 })
  })

  it('[new, old] after a rotation still verifies a cookie signed with the old key', async () => {
    const before = await request(sessionApp(appWith([KEY_B, undefined])).callback())
      .get('/')
      .expect(200)
    const rotated = sessionApp(appWith([KEY_A, KEY_B]))
    expect(rotated.keys).toEqual([KEY_A, KEY_B])
    const res = await request(rotated.callback())
      .get('/')
      .set('Cookie', cookieHeader(jar(before)))
      .expect(200)
    expect(res.body).toEqual({ n: 2 })
  })

  it('keeps a Keygrip as it is, checks nothing with signed: false, and nothing without the app', () => {
    const keygrip = { sign: () => '', verify: () => false, index: () => -1 }
    const app = appWith(keygrip)
    sessionDefaults({ store }, app)
    expect(app.keys).toBe(keygrip)
    const unsigned = appWith(['short'])
    expect(sessionDefaults({ store, signed: false }, unsigned).signed).toBe(false)
    expect(unsigned.keys).toEqual(['short'])
    expect(sessionDefaults({ store }).signed).toBe(true)
  })
})
