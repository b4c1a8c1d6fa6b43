/**
 * A call that waits in the pool's queue past connectTimeout (every connection busy, the database fine) is
 * a TIMEOUT. It must not mark the store unhealthy or emit `disconnect`: adapters answer every request 503
 * while disconnected, which would turn a burst of slow requests into an outage for everyone.
 */
import { isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { createTestDatabase, DATABASE_URL, installSlowTrigger, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'

let db: TestDatabase
let store: PgStore

beforeAll(async () => {
  db = await createTestDatabase('pg')
  store = new PgStore({
    connectionString: DATABASE_URL,
    table: db.table,
    createTable: true,
    prune: false,
    poolSize: 1,
    connectTimeout: 100,
    // Coalesced, the second write would wait for the first in the store, not for a connection in the pool.
    coalesce: false,
  })
  await store.set(newSessionId(), { warm: true })
  await installSlowTrigger(db, db.table, {
    name: 'hold',
    when: "new.data ? 'hold'",
    seconds: '0.5',
    on: 'insert',
  })
})

afterAll(async () => {
  await store?.close()
  await db?.close()
})

it('fails a call that found no free connection with TIMEOUT and stays healthy', async () => {
  const events: string[] = []
  store.on('disconnect', () => events.push('disconnect'))
  const holding = store.set(newSessionId(), { hold: true })
  const waiting = await store.set(newSessionId(), { v: 1 }).catch((e: unknown) => e)
  await holding
  expect(isPgStoreError(waiting, 'TIMEOUT')).toBe(true)
  expect(events).toEqual([])
  expect(store.healthy).toBe(true)
})
