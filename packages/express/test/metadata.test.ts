/**
 * Request metadata through express-session: a session this request creates records `req.ip` and the
 * User-Agent; later saves and touches leave it; `metadata` turns it off or replaces it.
 */
import { type DbKind, useTestDatabase } from '@pgstore/testing'
import request from 'supertest'
import { afterEach, describe, expect, it } from 'vitest'
import { PgSessionStore, type PgSessionStoreOptions } from '../src'
import { createApp } from './app'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

describe.each<DbKind>(['pg', 'pglite'])('session metadata through express on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  const stores: PgSessionStore[] = []
  const newStore = (options: Partial<PgSessionStoreOptions> = {}) => {
    const store = new PgSessionStore({
      db: db.db,
      table: db.table,
      prune: false,
      touchAfter: 0,
      userId: (sess) => sess.user,
      ...options,
    } as PgSessionStoreOptions)
    stores.push(store)
    return store
  }
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()))
  })

  it('records the IP and User-Agent of the login; later saves and touches leave them', async () => {
    const store = newStore()
    const agent = request.agent(createApp(store))
    await agent.post('/views').set('User-Agent', 'before login').expect(200)
    const login = await agent.post('/login/ada').set('User-Agent', FIREFOX).expect(200)
    const [entry] = await store.listByUser('ada', { current: login.body.id })
    expect(entry!.current).toBe(true)
    expect(entry!.meta).toEqual({ ip: expect.stringMatching(/127\.0\.0\.1|::1/), userAgent: FIREFOX })

    await agent.post('/views').set('User-Agent', 'curl/8.5.0').expect(200)
    await agent.get('/whoami').set('User-Agent', 'curl/8.5.0').expect(200)
    const [after] = await store.listByUser('ada')
    expect(after!.meta).toEqual(entry!.meta)
    expect(after!.updatedAt.getTime()).toBeGreaterThanOrEqual(entry!.updatedAt.getTime())
    expect(after!.createdAt).toEqual(entry!.createdAt)
  })

  it('cleans what the request sent: a long, control-laden User-Agent is cut and stripped', async () => {
    const store = newStore()
    await request(createApp(store))
      .post('/login/bob')
      .set('User-Agent', `Bot\t${'z'.repeat(2_000)}`)
      .expect(200)
    const [entry] = await store.listByUser('bob')
    expect(entry!.meta!.userAgent).toBe(`Bot${'z'.repeat(252)}`)
  })

  it('metadata: false records nothing; a function records what it returns', async () => {
    const off = newStore({ metadata: false })
    await request(createApp(off)).post('/login/cy').set('User-Agent', FIREFOX).expect(200)
    expect((await off.listByUser('cy'))[0]!.meta).toBeNull()

    const custom = newStore({ metadata: (req) => ({ userAgent: `${req.get('x-app')} app` }) })
    await request(createApp(custom)).post('/login/di').set('X-App', 'iOS').expect(200)
    expect((await custom.listByUser('di'))[0]!.meta).toEqual({ userAgent: 'iOS app' })
  })
})
