/**
 * The app's own routes on the real session store with no database server: createTestStore from
 * `@pgstore/core/testing` gives an in-memory PGlite database with the session table, and the app builds its
 * PgStore on that `db`, as it does on PostgreSQL in production. Requests go through Hono's `app.request`,
 * with the session cookie carried by hand. What an app's tests look like.
 */
import { createTestStore, type TestStore } from '@pgstore/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app'

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

/** One browser: keeps the session cookie between its requests. */
function browser() {
  let cookie: string | undefined
  return async (method: 'GET' | 'POST', url: string, form?: Record<string, string>) => {
    const res = await app.app.request(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    })
    const set = res.headers.getSetCookie().find((c) => c.startsWith('pgsid='))
    if (set) cookie = set.split(';')[0]
    return res
  }
}

describe('the example app on createTestStore', () => {
  it('counts visits in the session', async () => {
    const visit = browser()
    expect(await (await visit('GET', '/')).json()).toMatchObject({ user: null, views: 1 })
    expect(await (await visit('GET', '/')).json()).toMatchObject({ user: null, views: 2 })
  })

  it('logs in, and the store holds the session under the user', async () => {
    const visit = browser()
    expect((await visit('POST', '/login', { name: 'ann' })).status).toBe(303)
    expect(await (await visit('GET', '/')).json()).toMatchObject({ user: 'ann', flash: 'Welcome, ann!' })
    const entries = await t.store.listByUser('ann')
    expect(entries).toHaveLength(1)
    expect(entries[0]!.data).toMatchObject({ user: 'ann' })
  })

  it('signs the other devices out', async () => {
    const phone = browser()
    const laptop = browser()
    expect((await phone('POST', '/login', { name: 'bob' })).status).toBe(303)
    expect((await laptop('POST', '/login', { name: 'bob' })).status).toBe(303)
    expect(await t.store.listByUser('bob')).toHaveLength(2)
    expect((await laptop('POST', '/sessions/revoke-others')).status).toBe(303)
    expect(await t.store.listByUser('bob')).toHaveLength(1)
    expect(await (await phone('GET', '/')).json()).toMatchObject({ user: null })
    expect(await (await laptop('GET', '/')).json()).toMatchObject({ user: 'bob' })
  })
})
