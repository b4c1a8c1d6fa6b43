/**
 * A Drizzle database made with drizzle(url) owns a pg.Pool that has no 'error' listener. When the server
 * drops an idle connection (restart, pg_terminate_backend) the pool emits 'error', which would crash the
 * process; the store listens as it does for a `pool` it is given, and reports a backgroundError instead.
 */
import { randomBytes } from 'node:crypto'
import { isPgStoreError, newSessionId, PgStore, type PgStoreError } from '@pgstore/core'
import { createTestDatabase, DATABASE_URL, type TestDatabase } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/node-postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'

let db: TestDatabase
const app = `pgstore_idle_${randomBytes(4).toString('hex')}`
const url = new URL(DATABASE_URL)
url.searchParams.set('application_name', app)
const own = drizzle(url.toString())

beforeAll(async () => {
  db = await createTestDatabase('pg')
})

afterAll(async () => {
  await own.$client.end()
  await db?.close()
})

it('turns an idle connection killed under a drizzle(url) database into a backgroundError', async () => {
  expect(own.$client.listenerCount('error')).toBe(0)
  const store = new PgStore({ db: own, table: db.table, createTable: true, prune: false })
  const seen: PgStoreError[] = []
  store.on('backgroundError', (e) => seen.push(e))
  const sid = newSessionId()
  await store.set(sid, { v: 1 })
  expect(own.$client.listenerCount('error')).toBe(1)
  await db.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [app])
  for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20))
  expect(seen.length).toBeGreaterThan(0)
  expect(isPgStoreError(seen[0], 'DB_UNAVAILABLE')).toBe(true)
  expect(await store.get(sid)).toEqual({ v: 1 })
  await store.close()
})
