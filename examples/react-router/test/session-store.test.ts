/**
 * The app's own route modules on the real session store with no database server: createTestStore from
 * `@pgstore/core/testing` gives an in-memory PGlite database with the session table, the app builds its
 * storage on that `db` (as it does on PostgreSQL in production), and requests go through React Router's own
 * request handler over the built app, with the storage as load context. What an app's tests look like.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createTestStore, type TestStore } from '@pgstore/core/testing'
import { createRequestHandler, type ServerBuild } from 'react-router'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSessions, type Sessions } from '../app/sessions.server'
import { browser } from './browser'

const built = fileURLToPath(new URL('../dist/server/index.js', import.meta.url))
let t: TestStore<{ user?: string }>
let sessions: Sessions
let handle: ReturnType<typeof createRequestHandler>

beforeAll(async () => {
  if (!existsSync(built)) throw new Error('examples/react-router is not built: run `pnpm build` first.')
  // userId lets this test's store list what the app wrote by user, as the app's own store does.
  t = await createTestStore<{ user?: string }>({ userId: (data) => data.user })
  sessions = createSessions({ db: t.db, secret: ['an-example-test-secret-of-32-characters'] })
  handle = createRequestHandler((await import(built)) as ServerBuild, 'production')
})
afterAll(async () => {
  await sessions?.close()
  await t?.close()
})

const open = () => browser((url, init) => handle(new Request(`http://localhost${url}`, init), { sessions }))

describe('the example app on createTestStore', () => {
  it('counts visits in the session', async () => {
    const visit = open()
    expect((await visit('GET', '/')).views).toBe(1)
    expect((await visit('GET', '/')).views).toBe(2)
  })

  it('logs in, and the store holds the session under the user', async () => {
    const visit = open()
    expect((await visit('POST', '/login', { name: 'ann' })).status).toBe(303)
    expect(await visit('GET', '/')).toMatchObject({ user: 'ann', flash: 'Welcome, ann!' })
    const entries = await t.store.listByUser('ann')
    expect(entries).toHaveLength(1)
    expect(entries[0]!.data).toMatchObject({ user: 'ann' })
  })

  it('signs the other devices out', async () => {
    const phone = open()
    const laptop = open()
    expect((await phone('POST', '/login', { name: 'bob' })).status).toBe(303)
    expect((await laptop('POST', '/login', { name: 'bob' })).status).toBe(303)
    expect(await t.store.listByUser('bob')).toHaveLength(2)
    expect((await laptop('POST', '/sessions/revoke-others')).status).toBe(303)
    expect(await t.store.listByUser('bob')).toHaveLength(1)
    expect((await phone('GET', '/')).user).toBeUndefined()
    expect((await laptop('GET', '/')).user).toBe('bob')
  })
})
