// Nothing in pgstore may need an interactive transaction: drizzle's neon-http driver has none. Each store
// here runs on a real database whose `transaction` is taken away (withoutTransactions), so any
// db.transaction left in core fails these tests.
import { newSessionId, PgStore, pgSessionTable } from '@pgstore/core'
import {
  createTestDatabase,
  type DbKind,
  freshName,
  holdDeletes,
  NO_TRANSACTIONS,
  probeTable,
  type TestDatabase,
  useTestDatabase,
  withoutTransactions,
} from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

async function seed(db: TestDatabase, expired: number, live: number): Promise<void> {
  await db.query(
    `insert into ${db.sessions} (id, data, expires_at)
     select 'x' || g, '{}'::jsonb, case when g <= $1 then now() - interval '1 minute' else now() + interval '1 hour' end
     from generate_series(1, $2::int) g`,
    [expired, expired + live],
  )
}

const manual = { batchSize: 100, batchPause: 0, interval: 0 }

describe.each<DbKind>(['pg', 'pglite'])('without interactive transactions on %s', (kind) => {
  const db = useTestDatabase(kind)
  const bare = () => withoutTransactions(db.db)

  it('the database given to the store really has no transactions', async () => {
    await expect(bare().transaction(async () => undefined)).rejects.toThrow(NO_TRANSACTIONS)
  })

  it('createTable creates the table, its schema and indexes', async () => {
    const table = pgSessionTable('made_bare', { schema: freshName('pgstore_bare') })
    const store = new PgStore({ db: bare(), table, createTable: true, prune: false })
    const sid = newSessionId()
    await store.set(sid, { bare: true })
    expect(await store.get(sid)).toEqual({ bare: true })
    await store.close()
    const schema = (await import('drizzle-orm/pg-core')).getTableConfig(table).schema!
    const indexes = await db.query<{ indexname: string }>(
      'select indexname from pg_indexes where schemaname = $1 and tablename = $2 order by indexname',
      [schema, 'made_bare'],
    )
    expect(indexes.map((i) => i.indexname)).toEqual([
      'made_bare_expires_at_idx',
      'made_bare_pkey',
      'made_bare_user_id_idx',
    ])
    await db.query(`drop schema "${schema}" cascade`)
  })

  it('createTable adds the meta column to a table made before it', async () => {
    await db.query(`create table "${db.schema}".old_bare (
      id text primary key, data jsonb not null, user_id text,
      created_at timestamptz default now() not null, updated_at timestamptz default now() not null,
      expires_at timestamptz not null)`)
    const table = pgSessionTable('old_bare', { schema: db.schema })
    const store = new PgStore({ db: bare(), table, createTable: true, prune: false })
    await store.create(newSessionId(), { n: 1 }, { meta: { ip: '203.0.113.7' } })
    await store.close()
    const [row] = await db.query<{ meta: unknown }>(`select meta from "${db.schema}".old_bare`)
    expect(row!.meta).toEqual({ ip: '203.0.113.7' })
  })

  it('prune deletes expired rows in bounded batches, exactly, and keeps live ones', async () => {
    const store = new PgStore({ db: bare(), table: db.table, createTable: true, prune: manual })
    await store.length()
    await seed(db, 250, 30)
    expect(await store.prune()).toEqual({ deleted: 250, batches: 3, skipped: false })
    expect(await probeTable(db, db.table).count()).toBe(30)
    await store.clear()
    await store.close()
  })

  it('two stores pruning at once delete each expired row once', async () => {
    const [a, b] = [0, 1].map(() => new PgStore({ db: bare(), table: db.table, prune: manual }))
    await seed(db, 2_000, 10)
    const results = await Promise.all([a!.prune(), b!.prune()])
    expect(results[0]!.deleted + results[1]!.deleted).toBe(2_000)
    expect(await probeTable(db, db.table).count()).toBe(10)
    await a!.clear()
    await Promise.all([a!.close(), b!.close()])
  })
})

describe('one sweeper at a time without transactions, on pg', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg')
    const owner = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    await owner.length()
    await owner.close()
  })
  afterAll(async () => {
    await db.close()
  })

  it('a batch holds the prune lock for its whole statement: a second sweeper steps aside', async () => {
    const [a, b] = [0, 1].map(
      () => new PgStore({ db: withoutTransactions(db.db), table: db.table, prune: manual }),
    )
    await seed(db, 150, 5)
    const gate = await holdDeletes(db, db.table)
    let first: ReturnType<PgStore['prune']> | undefined
    try {
      first = a!.prune()
      const ended = first.then(() => {
        throw new Error('the first prune ended without reaching the gate')
      })
      await Promise.race([gate.waiting(), ended])
      // a's first batch is inside its DELETE, holding the lock: b deletes nothing and says it stepped aside.
      expect(await b!.prune()).toEqual({ deleted: 0, batches: 0, skipped: true })
    } finally {
      await gate.open()
    }
    expect(await first).toEqual({ deleted: 150, batches: 2, skipped: false })
    expect(await probeTable(db, db.table).count()).toBe(5)
    await a!.clear()
    await Promise.all([a!.close(), b!.close()])
  })

  it('ten stores with their own pools prune at once: each row deleted once, no deadlock', async () => {
    const pools = Array.from({ length: 10 }, () => new pg.Pool({ connectionString: db.url!, max: 2 }))
    const stores = pools.map(
      (client) =>
        new PgStore({
          db: withoutTransactions(drizzle({ client })),
          table: db.table,
          prune: { batchSize: 200, batchPause: 0, interval: 0 },
        }),
    )
    await seed(db, 5_000, 100)
    const results = await Promise.all(stores.map((s) => s.prune()))
    expect(results.reduce((n, r) => n + r.deleted, 0)).toBe(5_000)
    expect(await probeTable(db, db.table).count()).toBe(100)
    await Promise.all(stores.map((s) => s.close()))
    await Promise.all(pools.map((p) => p.end()))
  })

  it('ten stores creating one table at once all succeed, with one table made', async () => {
    const schema = freshName('pgstore_bare_race')
    const table = pgSessionTable('race_sessions', { schema })
    const pools = Array.from({ length: 10 }, () => new pg.Pool({ connectionString: db.url!, max: 1 }))
    const stores = pools.map(
      (client) =>
        new PgStore({
          db: withoutTransactions(drizzle({ client })),
          table,
          createTable: true,
          prune: false,
        }),
    )
    try {
      await Promise.all(stores.map((s, i) => s.set(newSessionId(), { i })))
      expect(await stores[0]!.length()).toBe(10)
      const tables = await db.query('select 1 from pg_tables where schemaname = $1', [schema])
      expect(tables).toHaveLength(1)
    } finally {
      await Promise.all(stores.map((s) => s.close()))
      await Promise.all(pools.map((p) => p.end()))
      await db.query(`drop schema if exists "${schema}" cascade`)
    }
  })
})
