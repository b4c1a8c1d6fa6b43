/**
 * Request metadata through koa-session: a key this request creates records `ctx.ip` and the User-Agent;
 * later saves and touches leave it; `metadata` turns it off or replaces it.
 */
import { type DbKind, digest, useTestDatabase } from '@pgstore/testing'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { type PgSessionStore, type PgSessionStoreOptions, pgSessionStore } from '../src'
import { cookieHeader, createApp, jar } from './helpers'

const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1'

describe.each<DbKind>(['pg', 'pglite'])('session metadata through koa on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  const stores: PgSessionStore[] = []
  const newStore = (options: Partial<PgSessionStoreOptions> = {}) => {
    const store = pgSessionStore({
      db: db.db,
      table: db.table,
      prune: false,
      touchAfter: 0,
      ...options,
    } as PgSessionStoreOptions)
    stores.push(store)
    return store
  }
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()))
  })
  const metaOf = async (store: PgSessionStore, key: string) =>
    (await store.store.all()).find((e) => e.digest === digest(key))?.meta

  it('records the IP and User-Agent of the request that creates the key; later ones leave them', async () => {
    const store = newStore()
    const app = createApp(store, { rolling: true })
    const first = await request(app.callback()).get('/count').set('User-Agent', SAFARI).expect(200)
    const cookies = jar(first)
    const key = cookies['koa.sess']!
    const recorded = await metaOf(store, key)
    expect(recorded).toEqual({ ip: expect.stringMatching(/127\.0\.0\.1|::1/), userAgent: SAFARI })

    for (const path of ['/count', '/peek']) {
      await request(app.callback())
        .get(path)
        .set('Cookie', cookieHeader(cookies))
        .set('User-Agent', 'curl/8.5.0')
        .expect(200)
    }
    expect(await metaOf(store, key)).toEqual(recorded)

    // regenerate starts a new key, which records the request it came with.
    const login = await request(app.callback())
      .get('/login')
      .set('Cookie', cookieHeader(cookies))
      .set('User-Agent', 'phone\tapp')
      .expect(200)
    const fresh = jar(login, cookies)['koa.sess']!
    expect(fresh).not.toBe(key)
    expect((await metaOf(store, fresh))?.userAgent).toBe('phoneapp')
  })

  it('metadata: false records nothing; a function of ctx records what it returns', async () => {
    const off = newStore({ metadata: false })
    const a = await request(createApp(off).callback()).get('/count').set('User-Agent', SAFARI).expect(200)
    expect(await metaOf(off, jar(a)['koa.sess']!)).toBeNull()

    const custom = newStore({ metadata: (ctx) => ({ userAgent: `${ctx.get('x-app')} app`, ip: ctx.path }) })
    const b = await request(createApp(custom).callback()).get('/count').set('X-App', 'Android').expect(200)
    expect(await metaOf(custom, jar(b)['koa.sess']!)).toEqual({ userAgent: 'Android app', ip: '/count' })
  })
})
