// The Neon serverless driver (`@neondatabase/serverless` Pool, drizzle `neon-serverless`) on local
// PostgreSQL, through a local WebSocket-to-TCP relay that stands in for Neon's WebSocket proxy. Plain
// WebSockets, no TLS, and no pipelined connect (the local server does not ask for a cleartext password).

import { neonConfig, Pool } from '@neondatabase/serverless'
import { newSessionId, PgStore } from '@pgstore/core'
import {
  type ConformanceFactory,
  createTestDatabase,
  DATABASE_URL,
  describeStoreConformance,
  pgStoreTarget,
  probeTable,
  startWebSocketRelay,
  type TestDatabase,
  type WebSocketRelay,
  withoutTransactions,
} from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/neon-serverless'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import ws from 'ws'

let relay: WebSocketRelay
beforeAll(async () => {
  relay = await startWebSocketRelay()
  neonConfig.webSocketConstructor = ws
  neonConfig.wsProxy = relay.wsProxy
  neonConfig.useSecureWebSocket = false
  neonConfig.pipelineTLS = false
  neonConfig.pipelineConnect = false
})
afterAll(async () => {
  await relay.close()
})

const neonPool = (max = 4) => {
  const pool = new Pool({ connectionString: DATABASE_URL, max })
  pool.on('error', () => undefined)
  return pool
}

const neon: ConformanceFactory = async (_db, options) => {
  const pool = neonPool()
  return pgStoreTarget(new PgStore({ ...options, db: drizzle({ client: pool }) }), () => pool.end())
}

describeStoreConformance('PgStore (Neon serverless Pool over WebSocket)', 'pg', neon)

describe('the Neon serverless Pool', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg')
  })
  afterAll(async () => {
    await db.close()
  })

  it('goes through the relay and runs the hot path as named prepared statements', async () => {
    const before = relay.connections
    // One connection, so the statements the store prepared are the ones this session lists.
    const pool = neonPool(1)
    const store = new PgStore({
      db: drizzle({ client: pool }),
      table: db.table,
      createTable: true,
      prune: false,
    })
    try {
      const sid = newSessionId()
      await store.set(sid, { via: 'websocket' })
      expect(await store.get(sid)).toEqual({ via: 'websocket' })
      expect(await probeTable(db, db.table).row(sid)).toMatchObject({ data: { via: 'websocket' } })
      const { rows } = await pool.query<{ name: string }>(
        "select name from pg_prepared_statements where name like 'pgstore_%' order by name",
      )
      expect(rows.map((r) => r.name.replace(/_[0-9a-f]{10}$/, ''))).toEqual(['pgstore_get', 'pgstore_set'])
      expect(relay.connections).toBeGreaterThan(before)
    } finally {
      await store.close()
      await pool.end()
    }
  })

  it('creates the table and prunes with its transaction API taken away', async () => {
    const pool = neonPool()
    const fresh = await createTestDatabase('pg')
    const store = new PgStore({
      db: withoutTransactions(drizzle({ client: pool })),
      table: fresh.table,
      createTable: true,
      prune: { batchSize: 100, batchPause: 0, interval: 0 },
    })
    try {
      expect(await store.length()).toBe(0)
      await fresh.query(
        `insert into ${fresh.sessions} (id, data, expires_at)
         select 'x' || g, '{}'::jsonb, case when g <= 250 then now() - interval '1 minute' else now() + interval '1 hour' end
         from generate_series(1, 260) g`,
      )
      expect(await store.prune()).toEqual({ deleted: 250, batches: 3, skipped: false })
      expect(await probeTable(fresh, fresh.table).count()).toBe(10)
    } finally {
      await store.close()
      await pool.end()
      await fresh.close()
    }
  })
})
