/**
 * The example app on real PostgreSQL: in process through createApp and Hono's `app.request`, and as the process
 * `pnpm start` runs, on PostgreSQL from DATABASE_URL and on PGlite.
 */
import { fileURLToPath } from 'node:url'
import {
  describeExampleRoutes,
  describeStartCommand,
  JSON_ACCEPT,
} from '@pgstore/example-shared/routes-contract'
import { createTestDatabase, DATABASE_URL, type TestDatabase } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/node-postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app'

let db: TestDatabase
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  db = await createTestDatabase('pg')
  app = createApp({ db: db.db, table: db.table, secret: ['an-example-test-secret-of-32-characters'] })
})
afterAll(async () => {
  await app?.store.close()
  await db?.close()
})

const rowsFor = async (user: string) => db.query(`select 1 from ${db.sessions} where user_id = $1`, [user])

describeExampleRoutes('in process, through app.request', {
  cookieName: 'pgsid',
  send: async (url, init) => app.app.request(url, { ...init, redirect: 'manual' }),
  rowsFor,
})

describe('while the database is unreachable', () => {
  it('answers 503 "Try again in a moment." through onError', async () => {
    // Nothing listens on port 1: every connection is refused, which the store reports as DB_UNAVAILABLE.
    const away = drizzle('postgres://postgres@127.0.0.1:1/none')
    const down = createApp({ db: away, secret: ['an-example-test-secret-of-32-characters'] })
    try {
      const res = await down.app.request('/', { headers: { accept: JSON_ACCEPT } })
      expect(res.status).toBe(503)
      expect(await res.text()).toBe('Try again in a moment.')
    } finally {
      await down.store.close()
      await away.$client.end()
    }
  })
})

describeStartCommand({
  dir: fileURLToPath(new URL('..', import.meta.url)),
  cookieName: 'pgsid',
  databaseUrl: DATABASE_URL,
  query: (text) => db.query(text),
})
