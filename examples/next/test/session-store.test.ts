/**
 * The app's own route handlers on the real session store with no database server: createTestStore from
 * `@pgstore/core/testing` gives a PgStore on in-memory PGlite. The test creates the app's sessions over it
 * under the app's `globalKey` before importing the routes, so lib/session.ts (which would open
 * ./.pglite) uses the test's, as every copy of the module in a Next process uses the first one's. A
 * route handler wrapped in `withSession` reads the Cookie header of the Request it is given and puts the
 * cookie on the Response it returns, so it is called here as Next calls it. What an app's tests look like.
 */
import { createTestStore, type TestStore } from '@pgstore/core/testing'
import { createSessions } from '@pgstore/next'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppSession } from '../lib/session'

let t: TestStore<AppSession>
let counter: typeof import('../app/api/counter/route')
let flash: typeof import('../app/api/flash/route')

beforeAll(async () => {
  t = await createTestStore<AppSession>({ userId: (data) => data.userId })
  createSessions<AppSession>(
    { store: t.store, secrets: ['an-example-test-secret-of-32-characters'] },
    { globalKey: 'pgstore-example-next' },
  )
  counter = await import('../app/api/counter/route')
  flash = await import('../app/api/flash/route')
})
afterAll(async () => {
  await t?.close()
})

/** One browser: keeps the session cookie between its requests. */
function browser() {
  let cookie: string | undefined
  return async (handler: (request: Request, context: unknown) => Promise<Response>, method: string) => {
    const request = new Request('http://localhost/api', { method, headers: cookie ? { cookie } : {} })
    const response = await handler(request, {})
    const set = response.headers.getSetCookie()[0]
    if (set) cookie = set.split(';')[0]
    return response
  }
}

describe('the example app on createTestStore', () => {
  it('counts in the session, and the count is in the store', async () => {
    const visit = browser()
    expect(await (await visit(counter.GET, 'GET')).json()).toEqual({ count: 0 })
    expect(await (await visit(counter.POST, 'POST')).json()).toEqual({ count: 1 })
    expect(await (await visit(counter.POST, 'POST')).json()).toEqual({ count: 2 })
    expect(await (await visit(counter.GET, 'GET')).json()).toEqual({ count: 2 })
    const rows = await t.store.all()
    expect(rows.map((r) => r.data)).toContainEqual({ count: 2 })
  })

  it('keeps each browser its own session', async () => {
    const one = browser()
    const two = browser()
    await one(counter.POST, 'POST')
    expect(await (await two(counter.GET, 'GET')).json()).toEqual({ count: 0 })
  })

  it('returns no flash notices for a fresh session', async () => {
    const visit = browser()
    expect(await (await visit(flash.POST, 'POST')).json()).toEqual({ notice: [] })
  })
})
