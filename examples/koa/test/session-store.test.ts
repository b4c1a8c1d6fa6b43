/**
 * The app's own routes on the real session store with no database server: createTestStore from
 * `@pgstore/core/testing` gives a PgStore on in-memory PGlite, and the app's koa-session store wraps it
 * (`pgSessionStore({ store })`), as it wraps one on PostgreSQL in production. What an app's tests look like.
 */
import { createTestStore, type TestStore } from '@pgstore/core/testing'
import { pgSessionStore } from '@pgstore/koa'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppSession, createApp } from '../src/app.js'

const json = { Accept: 'application/json' }
let t: TestStore<AppSession>
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  t = await createTestStore<AppSession>({ userId: (data) => data.user })
  app = createApp({
    sessions: pgSessionStore({ store: t.store }),
    keys: ['example-test-key-0123456789abcdef0123'],
  })
})
afterAll(async () => {
  await t?.close()
})

describe('the example app on createTestStore', () => {
  it('counts visits in the session', async () => {
    const browser = request.agent(app.callback())
    expect((await browser.get('/').set(json)).body).toMatchObject({ user: null, views: 1 })
    expect((await browser.get('/').set(json)).body).toMatchObject({ user: null, views: 2 })
  })

  it('logs in, and the store holds the session under the user', async () => {
    const browser = request.agent(app.callback())
    await browser.post('/login').type('form').send({ name: 'ann' }).expect(303)
    expect((await browser.get('/').set(json)).body).toMatchObject({ user: 'ann', flash: 'Welcome, ann!' })
    const entries = await t.store.listByUser('ann')
    expect(entries).toHaveLength(1)
    expect(entries[0]!.data).toMatchObject({ user: 'ann' })
  })

  it('signs the other devices out', async () => {
    const phone = request.agent(app.callback())
    const laptop = request.agent(app.callback())
    await phone.post('/login').type('form').send({ name: 'bob' }).expect(303)
    await laptop.post('/login').type('form').send({ name: 'bob' }).expect(303)
    expect(await t.store.listByUser('bob')).toHaveLength(2)
    await laptop.post('/sessions/revoke-others').expect(303)
    expect(await t.store.listByUser('bob')).toHaveLength(1)
    expect((await phone.get('/').set(json)).body).toMatchObject({ user: null })
    expect((await laptop.get('/').set(json)).body).toMatchObject({ user: 'bob' })
  })
})
