import { isPgStoreError, isSessionId, PgStore } from '@pgstore/core'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { pgSessionStore, sessionDefaults } from '../src'
import { createApp, setCookies } from './helpers'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase('pg')
})
afterAll(async () => {
  await db?.close()
})
afterEach(() => {
  vi.unstubAllEnvs()
})

describe('pgSessionStore options', () => {
  it('uses an existing PgStore given as { store } and leaves closing it to the caller', async () => {
    const store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    const adapter = pgSessionStore({ store })
    expect(adapter.store).toBe(store)
    await adapter.set('k'.repeat(43), { a: 1, _maxAge: 1_000 }, 11_000, { changed: true })
    expect(await store.get('k'.repeat(43))).toEqual({ a: 1, _maxAge: 1_000 })
    await store.close()
  })

  it('refuses { store } mixed with store options, or something that is not a PgStore', () => {
    const store = new PgStore({ db: db.db, table: db.table, prune: false })
    const mixed = () => pgSessionStore({ store, ttl: 5 } as never)
    expect(mixed).toThrow(/either \{ store \} or PgStore options/)
    expect(isPgStoreError(catching(mixed), 'INVALID_OPTIONS')).toBe(true)
    expect(
      isPgStoreError(
        catching(() => pgSessionStore({ store: {} as never })),
        'INVALID_OPTIONS',
      ),
    ).toBe(true)
  })

  it('passes PgStore options through to core, which validates them', () => {
    expect(
      isPgStoreError(
        catching(() => pgSessionStore({ db: db.db, ttl: -1 })),
        'INVALID_OPTIONS',
      ),
    ).toBe(true)
    expect(
      isPgStoreError(
        catching(() => pgSessionStore({})),
        'INVALID_OPTIONS',
      ),
    ).toBe(true)
  })
})

describe('sessionDefaults', () => {
  it('gives 256-bit ids, httpOnly, SameSite=Lax and signed cookies', async () => {
    const store = pgSessionStore({ db: db.db, table: db.table, createTable: true, prune: false })
    const app = createApp(store, sessionDefaults())
    const res = await request(app.callback()).get('/count').expect(200)
    const cookie = setCookies(res).get('koa.sess')!
    expect(isSessionId(cookie.value)).toBe(true)
    expect(cookie.raw).toMatch(/; httponly/i)
    expect(cookie.raw).toMatch(/; samesite=lax/i)
    expect(cookie.raw).not.toMatch(/; secure/i)
    expect(setCookies(res).has('koa.sess.sig')).toBe(true)
    await store.store.close()
  })

  it('asks for Secure cookies in production only', () => {
    vi.stubEnv('NODE_ENV', 'production')
    expect(sessionDefaults().secure).toBe(true)
    vi.stubEnv('NODE_ENV', 'development')
    expect(sessionDefaults().secure).toBe(false)
  })

  it('lets anything given win', () => {
    const genid = () => 'custom'
    expect(sessionDefaults({ sameSite: 'strict', genid, maxAge: 5 })).toMatchObject({
      sameSite: 'strict',
      genid,
      maxAge: 5,
      httpOnly: true,
      signed: true,
    })
  })
})

function catching(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  return undefined
}
