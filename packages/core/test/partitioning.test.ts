/**
 * A table hash-partitioned by `id`, made with the DDL that docs/deploying-parts/30-partitioning.md shows: the
 * block is read from that page, so the page shows exactly what ran here. On it: the store conformance suite
 * (with `createTable: true`, so the store meets a partitioned table it did not make), `createTable` leaving
 * the table alone or adding a missing column to every partition, and prune and the per-user statements,
 * whose rows are spread over every partition.
 */
import { readFileSync } from 'node:fs'
import { newSessionId, PgStore } from '@pgstore/core'
import {
  createTestDatabase,
  describeStoreConformance,
  pgStoreTarget,
  probeTable,
  type TestDatabase,
} from '@pgstore/testing'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const PAGE = new URL('../../../docs/deploying-parts/30-partitioning.md', import.meta.url)
const DDL = /```sql\n([\s\S]*?)```/.exec(readFileSync(PAGE, 'utf8'))?.[1]
const PARTITIONS = 4

/** Runs the page's DDL, which names `http_sessions` unqualified, in the test database's fresh schema. */
async function createPartitioned(db: TestDatabase): Promise<void> {
  if (!DDL) throw new Error(`no sql block in ${PAGE.pathname}`)
  expect(getTableConfig(db.table).name).toBe('http_sessions')
  await db.query(`begin; set local search_path = "${db.schema}"; ${DDL} commit;`)
}

/** The schema's relations (tables, partitions, indexes) with their kind, to see that no DDL ran. */
const relations = (db: TestDatabase) =>
  db.query<{ relname: string; relkind: string }>(
    `select relname, relkind from pg_class where relnamespace = $1::regnamespace order by relname`,
    [db.schema],
  )

/** How many partitions hold rows matching `where`. */
async function partitionsHolding(db: TestDatabase, where: string): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    `select count(distinct tableoid)::int as n from ${db.sessions} where ${where}`,
  )
  return row!.n
}

describeStoreConformance('PgStore on a table hash-partitioned by id', 'pg', async (db, options) => {
  await createPartitioned(db)
  return pgStoreTarget(new PgStore(options))
})

describe('a table hash-partitioned by id', () => {
  let db: TestDatabase
  let store: PgStore<{ user?: string }>

  beforeAll(async () => {
    db = await createTestDatabase('pg')
    await createPartitioned(db)
    store = new PgStore<{ user?: string }>({
      db: db.db,
      table: db.table,
      createTable: true,
      userId: (data) => data.user,
      prune: { interval: 0, batchSize: 300, batchPause: 0 },
    })
  })
  afterAll(async () => {
    await store?.close()
    await db?.close()
  })

  it('is left as it is by createTable: true', async () => {
    const before = await relations(db)
    expect(before.filter((r) => r.relkind === 'p').map((r) => r.relname)).toEqual(['http_sessions'])
    expect(before.filter((r) => r.relkind === 'r')).toHaveLength(PARTITIONS)
    expect(before.filter((r) => r.relkind === 'I').map((r) => r.relname)).toEqual([
      'http_sessions_expires_at_idx',
      'http_sessions_pkey',
      'http_sessions_user_id_idx',
    ])
    await store.set(newSessionId(), { user: 'first' })
    expect(await relations(db)).toEqual(before)
  })

  it('gets a missing meta column on every partition from createTable: true', async () => {
    const old = await createTestDatabase('pg')
    try {
      await createPartitioned(old)
      await old.query(`alter table ${old.sessions} drop column meta`)
      const upgrading = new PgStore({ db: old.db, table: old.table, createTable: true, prune: false })
      await upgrading.set(newSessionId(), { v: 1 }, { meta: { ip: '192.0.2.1' } })
      await upgrading.close()
      const [row] = await old.query<{ n: number }>(
        `select count(*)::int as n from pg_attribute a join pg_class c on c.oid = a.attrelid
         where c.relnamespace = $1::regnamespace and c.relkind in ('p', 'r') and a.attname = 'meta' and not a.attisdropped`,
        [old.schema],
      )
      expect(row!.n).toBe(PARTITIONS + 1)
      expect(await partitionsHolding(old, `meta->>'ip' = '192.0.2.1'`)).toBe(1)
    } finally {
      await old.close()
    }
  })

  it('prunes expired rows from every partition, in batches, with exact counts', async () => {
    await store.clear()
    await db.query(
      `insert into ${db.sessions} (id, data, expires_at)
       select 'x' || g, '{}'::jsonb, case when g <= 1000 then now() - interval '1 minute' else now() + interval '1 hour' end
       from generate_series(1, 1100) g`,
    )
    expect(await partitionsHolding(db, 'expires_at <= now()')).toBe(PARTITIONS)
    expect(await store.prune()).toEqual({ deleted: 1000, batches: 4, skipped: false })
    expect(await probeTable(db, db.table).count()).toBe(100)
    expect(await partitionsHolding(db, 'expires_at <= now()')).toBe(0)
  })

  it('lists a user’s sessions and logs out the others across partitions', async () => {
    const sids = Array.from({ length: 12 }, newSessionId)
    for (const sid of sids) await store.set(sid, { user: 'spread' })
    await store.set(newSessionId(), { user: 'someone-else' })
    expect(await partitionsHolding(db, `user_id = 'spread'`)).toBeGreaterThan(1)

    const listed = await store.listByUser('spread', { current: sids[0] })
    expect(listed).toHaveLength(12)
    expect(listed.filter((e) => e.current)).toHaveLength(1)

    expect(await store.destroyByUser('spread', { except: sids[0] })).toBe(11)
    expect(await store.get(sids[0]!)).toEqual({ user: 'spread' })
    for (const sid of sids.slice(1)) expect(await store.get(sid)).toBeNull()
    expect(await store.listByUser('someone-else')).toHaveLength(1)
  })
})
