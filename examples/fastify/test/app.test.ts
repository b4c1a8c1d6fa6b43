/**
 * The example app on real PostgreSQL, through the routes contract of @pgstore/example-shared: in process
 * through createApp and `inject`, and as the process
 * `pnpm start` runs, on PostgreSQL from DATABASE_URL and on PGlite.
 */
import { fileURLToPath } from 'node:url'
import { describeExampleRoutes, describeStartCommand } from '@pgstore/example-shared/routes-contract'
import { createTestDatabase, DATABASE_URL, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll } from 'vitest'
import { createApp } from '../src/app'

let db: TestDatabase
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  db = await createTestDatabase('pg')
  app = createApp({ db: db.db, table: db.table, secret: ['an-example-test-secret-of-32-characters'] })
})
afterAll(async () => {
  await app?.app.close()
  await app?.store.close()
  await db?.close()
})

const rowsFor = async (user: string) => db.query(`select 1 from ${db.sessions} where user_id = $1`, [user])

describeExampleRoutes('in process, through inject', {
  cookieName: 'sessionId',
  async send(url, init) {
    const res = await app.app.inject({
      method: init.method as 'GET' | 'POST',
      url,
      headers: init.headers,
      payload: init.body,
    })
    const headers = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      for (const one of Array.isArray(value) ? value : [value]) {
        if (one !== undefined) headers.append(name, String(one))
      }
    }
    return new Response(res.body === '' ? null : res.body, { status: res.statusCode, headers })
  },
  rowsFor,
})

describeStartCommand({
  dir: fileURLToPath(new URL('..', import.meta.url)),
  cookieName: 'sessionId',
  databaseUrl: DATABASE_URL,
  query: (text) => db.query(text),
})
