import { newSessionId, PgStore } from '@pgstore/core'
import { createTestDatabase, type DbKind, probeTable, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

async function seed(db: TestDatabase, expired: number, live: number): Promise<void> {
  await db.query(
    `insert into ${probeTable(db, db.table).name} (id, data, expires_at)
     select 'x' || g, '{}'::jsonb, case when g <= $1 then now() - interval '1 minute' else now() + interval '1 hour' end
     from generate_series(1, $2::int) g`,
    [expired, expired + live],
  )
}

const count = (db: TestDatabase) => probeTable(db, db.table).count()

describe.each<DbKind>(['pg', 'pglite'])('prune on %s', (kind) => {
  let db: TestDatabase
  const stores: PgStore[] = []
  const open = (prune: ConstructorParameters<typeof PgStore>[0]['prune']) => {
    const store = new PgStore({ db: db.db, table: db.table, createTable: true, prune })
    stores.push(store)
    return store
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind)
  })
  afterAll(async () => {
    for (const s of stores) await s.close()
    await db.close()
  })

  it('deletes expired rows in bounded batches and keeps live ones', async () => {
    const store = open({ batchSize: 100, batchPause: 0, interval: 0 })
    await store.prune()
    await seed(db, 250, 30)
    const result = await store.prune()
    expect(result).toEqual({ deleted: 250, batches: 3, skipped: false })
    expect(await count(db)).toBe(30)
    await store.clear()
  })

  it('two stores pruning at once delete each expired row once, without error', async () => {
    await seed(db, 2_000, 10)
    const manual = { batchSize: 100, batchPause: 0, interval: 0 }
    const [a, b] = [open(manual), open(manual)]
    const results = await Promise.all([a.prune(), b.prune()])
    expect(results[0]!.deleted + results[1]!.deleted).toBe(2_000)
    expect(await count(db)).toBe(10)
    await a.clear()
  })

  it('a sweep longer than queryTimeout completes; the timeout bounds calls, not the whole sweep', async () => {
    // 30 batches with a 20 ms pause between them take well over the 100 ms queryTimeout.
    const store = new PgStore({
      db: db.db,
      table: db.table,
      prune: { batchSize: 100, batchPause: 20, interval: 0 },
      queryTimeout: 100,
    })
    stores.push(store)
    await seed(db, 3_000, 0)
    expect(await store.prune()).toEqual({ deleted: 3_000, batches: 31, skipped: false })
    expect(await count(db)).toBe(0)
  })

  it('runs in the background on an unref’d timer, and stops on close()', async () => {
    const sid = newSessionId()
    const store = open({ interval: 50, jitter: 0.1, batchSize: 100, batchPause: 0 })
    await store.set(sid, { v: 1 }, { ttl: 60_000 })
    await seed(db, 40, 0)
    const done = await new Promise<number>((resolve) => {
      store.on('prune', (r) => {
        if (r.deleted > 0) resolve(r.deleted)
      })
    })
    expect(done).toBe(40)
    expect(await store.get(sid)).toEqual({ v: 1 })
    await store.close()
    await seed(db, 5, 0)
    // A closed store schedules nothing: a fresh store with prune off shows the rows are still there.
    const probe = open(false)
    expect(await probe.length()).toBe(1)
    expect(await count(db)).toBe(6)
    await probe.clear()
  })
})

describe('prune across processes on pg', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg')
  })
  afterAll(async () => {
    await db.close()
  })

  it('ten stores with their own pools pruning at once delete each row once, without deadlock', async () => {
    const first = new PgStore({ connectionString: db.url!, table: db.table, createTable: true, prune: false })
    await first.length()
    await seed(db, 5_000, 100)
    const stores = [first]
    for (let i = 1; i < 10; i++) {
      stores.push(
        new PgStore({
          connectionString: db.url!,
          table: db.table,
          prune: { batchSize: 200, batchPause: 0, interval: 0 },
        }),
      )
    }
    const results = await Promise.all(stores.map((s) => s.prune()))
    const deleted = results.reduce((n, r) => n + r.deleted, 0)
    expect(deleted).toBe(5_000)
    expect(await count(db)).toBe(100)
    await Promise.all(stores.map((s) => s.close()))
  })
})
