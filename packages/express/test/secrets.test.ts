/**
 * sessionDefaults checks `secret` like core checks its secrets, at startup: a weak, missing or non-string
 * secret is INVALID_OPTIONS; unset rotation slots after the first are dropped, and the app then signs and
 * verifies through a real Express app on PostgreSQL.
 */
import { isPgStoreError, PgStore } from '@pgstore/core'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgSessionStore, PgStoreError, type SessionDefaultsOptions, sessionDefaults } from '../src'
import { createApp, sessionCookie, signedCookie } from './app'

const GOOD = 'good-secret-good-secret-good-secret-01'
const OLD = 'old-secret-old-secret-old-secret-0002'

let db: TestDatabase
let store: PgSessionStore

beforeAll(async () => {
  db = await createTestDatabase('pg')
  await new PgStore({ db: db.db, table: db.table, createTable: true, prune: false }).length()
  store = new PgSessionStore({ db: db.db, table: db.table, prune: false })
})
afterAll(async () => {
  await store?.close()
  await db?.close()
})

/** The error sessionDefaults throws for `secret`; fails the test when it does not throw. */
function refusal(secret: unknown): PgStoreError {
  try {
    sessionDefaults({ store, secret } as SessionDefaultsOptions)
  } catch (err) {
    expect(err).toBeInstanceOf(PgStoreError)
    expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
    return err as PgStoreError
  }
  throw new Error(`sessionDefaults accepted ${typeof secret}`)
}

describe('sessionDefaults secret', () => {
  it('refuses a short secret, naming the rule but never the secret', () => {
    for (const short of ['Q', 'short-but-secret', 'y'.repeat(31)]) {
      const err = refusal(short)
      expect(err.message).toMatch(/secret is shorter than 32 characters/)
      expect(err.message).not.toContain(short)
    }
    const err = refusal([GOOD, 'old-and-short-secret'])
    expect(err.message).toMatch(/secret\[1\] is shorter than 32 characters/)
    expect(err.message).not.toContain('old-and-short-secret')
    expect(err.message).not.toContain(GOOD)
  })

  it('refuses an empty or missing secret', () => {
    for (const missing of ['', [], [''], undefined, null]) {
      expect(refusal(missing).message).toMatch(/secret is not set/)
    }
  })

  it('refuses [undefined, good]: the first secret signs, so it must be set', () => {
    const err = refusal([undefined, GOOD])
    expect(err.message).toMatch(/secret is not set/)
    expect(err.message).not.toContain(GOOD)
    expect(refusal([null, GOOD]).code).toBe('INVALID_OPTIONS')
    expect(refusal(['', GOOD]).code).toBe('INVALID_OPTIONS')
  })

  it('refuses a secret that is not a string', () => {
    for (const [bad, kind] of [
      [42, 'a number'],
      [Buffer.from(GOOD), 'an object'],
      [{ secret: GOOD }, 'an object'],
      [[GOOD, 42], 'a number'],
      [[GOOD, [OLD]], 'an array'],
    ] as const) {
      const err = refusal(bad)
      expect(err.message).toContain(`must be a string of at least 32 characters, not ${kind}`)
      expect(err.message).not.toContain(GOOD)
      expect(err.message).not.toContain(OLD)
    }
  })

  it('accepts a secret of 32 characters or more', () => {
    expect(sessionDefaults({ store, secret: 'z'.repeat(32) }).secret).toEqual(['z'.repeat(32)])
    expect(sessionDefaults({ store, secret: [GOOD, OLD] }).secret).toEqual([GOOD, OLD])
  })

  it('[good, undefined] drops the unset slot, then signs and verifies cookies through a real app', async () => {
    const options = sessionDefaults({ store, secret: [GOOD, undefined, null, ''] })
    expect(options.secret).toEqual([GOOD])
    const app = createApp(store, options)

    const first = await request(app).post('/views').expect(200)
    const cookie = sessionCookie(first)!
    expect(cookie).toBe(signedCookie(first.body.id, GOOD))
    const second = await request(app).post('/views').set('Cookie', cookie).expect(200)
    expect(second.body).toEqual({ id: first.body.id, views: 2 })

    // Before the fix express-session tried the unset secret too and answered 500 to any tampered cookie.
    const tampered = `${cookie.slice(0, -4)}AAAA`
    const fresh = await request(app).get('/whoami').set('Cookie', tampered).expect(200)
    expect(fresh.body.views).toBe(0)
    expect(fresh.body.id).not.toBe(first.body.id)
    const foreign = signedCookie(first.body.id, OLD)
    expect((await request(app).get('/whoami').set('Cookie', foreign).expect(200)).body.views).toBe(0)
  })

  it('[new, old] after a rotation still verifies a cookie signed with the old secret', async () => {
    const before = await request(createApp(store, sessionDefaults({ store, secret: [OLD, undefined] })))
      .post('/views')
      .expect(200)
    const rotated = createApp(store, sessionDefaults({ store, secret: [GOOD, OLD] }))
    const res = await request(rotated).get('/whoami').set('Cookie', sessionCookie(before)!).expect(200)
    expect(res.body).toMatchObject({ id: before.body.id, views: 1 })
  })
})
