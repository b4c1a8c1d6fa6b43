/**
 * statementTimeout defaults to queryTimeout on the pool pgstore creates: a statement the caller gave up on
 * is cancelled on the server too, rather than holding a pool connection for as long as it stalls.
 */
import { randomBytes } from 'node:crypto'
import { isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { createTestDatabase, DATABASE_URL, installSlowTrigger, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'

let db: TestDatabase
let store: PgStore
const app = `pgstore_fault_${randomBytes(4).toString('hex')}`

beforeAll(async () => {
  db = await createTestDatabase('pg')
  const url = new URL(DATABASE_URL)
  url.searchParams.set('application_name', app)
  store = new PgStore({
    connectionString: url.toString(),
    table: db.table,
    createTable: true,
    prune: false,
    queryTimeout: 400,
  })
  await store.set(newSessionId(), { warm: true })
  await installSlowTrigger(db, db.table, { name: 'slow', when: 'true', seconds: '30', on: 'insert' })
})

afterAll(async () => {
  await store?.close()
  await db?.close()
})

it('cancels the stalled statement on the server once queryTimeout has passed', async () => {
  const err = await store.set(newSessionId(), { v: 1 }).catch((e: unknown) => e)
  expect(isPgStoreError(err, 'TIMEOUT')).toBe(true)
  const active = () =>
    db.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where application_name = $1 and state = 'active'`,
      [app],
    )
  let rows = await active()
  // Poll (not sleep) for the server-side cancel; without it the trigger keeps the backend busy for 30 s.
  for (let i = 0; i < 100 && rows[0]!.n > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    rows = await active()
  }
  expect(rows[0]!.n).toBe(0)
})
