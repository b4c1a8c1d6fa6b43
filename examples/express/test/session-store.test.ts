/**
 * The app's own routes on the real session store with no database server: createTestStore from
 * `@pgstore/core/testing` gives an in-memory PGlite database with the session table, and the app builds its
 * PgSessionStore on that `db`, as it does on PostgreSQL in production. What an app's tests look like.
 */
import { createTestStore, type TestStore } from '@pgstore/core/testing'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app'

const json = { Accept: 'application/json' }
let t: TestStore<{ user?: string }>
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  // userId lets this test's store list what the app wrote by user, as the app's own store does.
  t = await createTestStore<{ user?: string }>({ userId: (data) => data.user })
  app = createApp({ db: t.db, secret: ['an-example-test-secret-of-32-characters'] })
})
afterAll(async () => {
  await app?.store.close()
  await t?.close()
})

describe('the example app on createTestStore', () => {
  it('counts visits in the session', async () => {
    const browser = request.agent(app.app)
    expect((await browser.get('/').set(json)).body).toMatchObject({ user: null, views: 1 })
    expect((await browser.get('/').set(json)).body).toMatchObject({ user: null, views: 2 })
  })

  it('logs in, and the store holds the session under the user', async () => {
    const browser = request.agent(app.app)
    await browser.post('/login').type('form').send({ name: 'ann' }).expect(303)
    expect((await browser.get('/').set(json)).body).toMatchObject({ user: 'ann', flash: 'Welcome, ann!' })
    const entries = await t.store.listByUser('ann')
    expect(entries).toHaveLength(1)
    expect(entries[0]!.data).toMatchObject({ user: 'ann' })
  })

  it('signs the other devices out', async () => {
    const phone = request.agent(app.app)
    const laptop = request.agent(app.app)
    await phone.post('/login').type('form').send({ name: 'bob' }).expect(303)
    await laptop.post('/login').type('form').send({ name: 'bob' }).expect(303)
    expect(await t.store.listByUser('bob')).toHaveLength(2)
    await laptop.post('/sessions/revoke-others').expect(303)
    expect(await t.store.listByUser('bob')).toHaveLength(1)
    expect((await phone.get('/').set(json)).body).toMatchObject({ user: null })
    expect((await laptop.get('/').set(json)).body).toMatchObject({ user: 'bob' })
  })
})
