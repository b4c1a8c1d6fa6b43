/**
 * Session metadata (`meta`: the creating request's IP and user agent): written only when a session is
 * created, cleaned on the way in and out, listed by `listByUser` and `all`; and the column's arrival on a
 * table made before it.
 */
import { digestSessionId, isPgStoreError, newSessionId, PgStore, pgSessionTable } from '@pgstore/core'
import { DATABASE_URL, type DbKind, useTestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

interface Data {
  user?: string
  n?: number
}

const PHONE = { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)' }

/** The table as pgstore 0.1 created it: six columns, no `meta`. */
const oldTable = (qualified: string, name: string) => [
  `CREATE TABLE ${qualified} (
  "id" text PRIMARY KEY NOT NULL,
  "data" jsonb NOT NULL,
  "user_id" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  "expires_at" timestamp with time zone NOT NULL
)`,
  `CREATE INDEX "${name}_expires_at_idx" ON ${qualified} USING btree ("expires_at")`,
  `CREATE INDEX "${name}_user_id_idx" ON ${qualified} USING btree ("user_id")`,
]

describe.each<DbKind>(['pg', 'pglite'])('session metadata on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  let store: PgStore<Data>
  const metaOf = async (sid: string) =>
    (
      await db.query<{ meta: unknown }>(`select meta from ${db.sessions} where id = $1`, [
        digestSessionId(sid),
      ])
    )[0]?.meta

  beforeAll(() => {
    store = new PgStore<Data>({
      db: db.db,
      table: db.table,
      prune: false,
      touchAfter: 0,
      userId: (d) => d.user,
    })
  })
  afterAll(async () => {
    await store.close()
  })

  it('records the creating request’s metadata, which listByUser and all return', async () => {
    const sid = newSessionId()
    expect(await store.create(sid, { user: 'm1' }, { ttl: 60_000, meta: PHONE })).toBe(true)
    const plain = newSessionId()
    await store.create(plain, { user: 'm1' })
    const listed = await store.listByUser('m1', { current: sid })
    expect(listed.find((e) => e.current)?.meta).toEqual(PHONE)
    expect(listed.find((e) => !e.current)?.meta).toBeNull()
    expect((await store.all()).find((e) => e.digest === digestSessionId(sid))?.meta).toEqual(PHONE)
    expect(await metaOf(sid)).toEqual(PHONE)
    expect(await metaOf(plain)).toBeNull()
  })

  it('leaves it as it was on update and touch; create over a live id writes nothing', async () => {
    const sid = newSessionId()
    await store.create(sid, { user: 'm2', n: 1 }, { meta: PHONE })
    expect(await store.update(sid, { user: 'm2', n: 2 })).toBe(true)
    expect(await store.touch(sid, { ttl: 120_000, data: { user: 'm2', n: 2 } })).toBe(true)
    expect(await store.create(sid, { user: 'm2' }, { meta: { userAgent: 'someone else' } })).toBe(false)
    expect(await metaOf(sid)).toEqual(PHONE)
    expect(await store.get(sid)).toEqual({ user: 'm2', n: 2 })
  })

  it('set replaces it when given and keeps it otherwise; a dead row replaced starts afresh', async () => {
    const sid = newSessionId()
    await store.set(sid, { n: 1 }, { meta: PHONE })
    await store.set(sid, { n: 2 })
    expect(await metaOf(sid)).toEqual(PHONE)
    await store.set(sid, { n: 3 }, { meta: { userAgent: 'curl/8.5.0' } })
    expect(await metaOf(sid)).toEqual({ userAgent: 'curl/8.5.0' })

    await db.query(`update ${db.sessions} set expires_at = now() - interval '1 second' where id = $1`, [
      digestSessionId(sid),
    ])
    await store.set(sid, { n: 4 })
    expect(await metaOf(sid), 'an expired row replaced is a new session').toBeNull()
    await db.query(`update ${db.sessions} set expires_at = now() - interval '1 second' where id = $1`, [
      digestSessionId(sid),
    ])
    expect(await store.create(sid, { n: 5 }, { meta: PHONE })).toBe(true)
    expect(await metaOf(sid)).toEqual(PHONE)
  })

  it('cuts each string to 256 characters and drops control characters, other fields and empty values', async () => {
    const sid = newSessionId()
    const meta = {
      ip: ' 198.51.100.4\r\n',
      userAgent: `Evil\u0000Agent\u001b[31m\u202eslfdp.exe\u200b\u0085 ${'x'.repeat(1_000)}`,
      cookie: 'never kept',
    }
    await store.create(sid, { user: 'm3' }, { meta })
    const stored = (await metaOf(sid)) as { ip: string; userAgent: string }
    expect(Object.keys(stored).sort()).toEqual(['ip', 'userAgent'])
    expect(stored.ip).toBe('198.51.100.4')
    expect(stored.userAgent.startsWith('EvilAgent[31mslfdp.exe xxx')).toBe(true)
    expect(stored.userAgent.length).toBeLessThanOrEqual(256)
    expect(stored.userAgent).not.toMatch(/[\p{Cc}\p{Cf}]/u)

    // A pair of surrogates cut in half by the limit, and a lone one, would make jsonb refuse the row.
    const split = newSessionId()
    await store.create(split, {}, { meta: { userAgent: `${'a'.repeat(255)}🙂`, ip: '\ud800' } })
    expect(await metaOf(split)).toEqual({ userAgent: 'a'.repeat(255) })

    const empty = newSessionId()
    await store.create(empty, {}, { meta: { ip: '\u0000', userAgent: 42 } as never })
    expect(await metaOf(empty), 'nothing left to keep: SQL null').toBeNull()
  })

  it('lists a row whose meta other code wrote only through the same cleaning', async () => {
    const sid = newSessionId()
    await store.create(sid, { user: 'm4' })
    await db.query(`update ${db.sessions} set meta = $2::jsonb where id = $1`, [
      digestSessionId(sid),
      JSON.stringify({ userAgent: `a\u0007b${'c'.repeat(400)}`, ip: 7, admin: true }),
    ])
    const [entry] = await store.listByUser('m4')
    expect(entry!.meta).toEqual({ userAgent: `ab${'c'.repeat(253)}` })
    await db.query(`update ${db.sessions} set meta = '"a string"'::jsonb where id = $1`, [
      digestSessionId(sid),
    ])
    expect((await store.listByUser('m4'))[0]!.meta).toBeNull()
  })

  it('createTable adds the column to a table made before it; old rows list with meta null', async () => {
    const name = 'old_sessions'
    const table = pgSessionTable(name, { schema: db.schema })
    const qualified = `"${db.schema}"."${name}"`
    for (const statement of oldTable(qualified, name)) await db.query(statement)
    const oldSid = newSessionId()
    await db.query(
      `insert into ${qualified} (id, data, user_id, expires_at) values ($1, '{"user":"old"}', 'old', now() + interval '1 hour')`,
      [digestSessionId(oldSid)],
    )

    // Without createTable: reads of the old table work, a write that records meta says what to do.
    const stale = new PgStore<Data>({ db: db.db, table, prune: false, userId: (d) => d.user })
    expect(await stale.get(oldSid)).toEqual({ user: 'old' })
    const err = await stale.create(newSessionId(), { user: 'old' }).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'QUERY_FAILED'), String(err)).toBe(true)
    expect((err as Error).message).toMatch(/lacks a column.*meta.*drizzle-kit push.*createTable: true/)
    expect((err as Error & { cause?: { sqlstate?: string } }).cause?.sqlstate).toBe('42703')
    const listing = await stale.listByUser('old').catch((e: unknown) => e)
    expect((listing as Error).message).toMatch(/drizzle-kit push/)
    await stale.close()

    const upgraded = new PgStore<Data>({
      db: db.db,
      table,
      createTable: true,
      prune: false,
      userId: (d) => d.user,
    })
    const sid = newSessionId()
    await upgraded.create(sid, { user: 'old' }, { meta: PHONE })
    const listed = await upgraded.listByUser('old', { current: sid })
    expect(listed.map((e) => [e.current, e.meta])).toEqual(
      expect.arrayContaining([
        [true, PHONE],
        [false, null],
      ]),
    )
    expect(await upgraded.get(oldSid)).toEqual({ user: 'old' })
    await upgraded.close()
    const columns = await db.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `select column_name, data_type, is_nullable from information_schema.columns
        where table_schema = $1 and table_name = $2 and column_name = 'meta'`,
      [db.schema, name],
    )
    expect(columns).toEqual([{ column_name: 'meta', data_type: 'jsonb', is_nullable: 'YES' }])
  })
})

describe('the meta column on an old table, many processes at once', () => {
  const db = useTestDatabase('pg')

  it('ten stores with createTable upgrading one old table all succeed', async () => {
    const name = 'race_old_sessions'
    const qualified = `"${db.schema}"."${name}"`
    for (const statement of oldTable(qualified, name)) await db.query(statement)
    const table = pgSessionTable(name, { schema: db.schema })
    const stores = Array.from(
      { length: 10 },
      () => new PgStore({ connectionString: DATABASE_URL, table, createTable: true, prune: false }),
    )
    try {
      await Promise.all(
        stores.map((s, i) => s.create(newSessionId(), { i }, { meta: { userAgent: `s${i}` } })),
      )
      expect(await stores[0]!.length()).toBe(10)
      const metas = await db.query<{ meta: { userAgent: string } }>(`select meta from ${qualified}`)
      expect(metas.map((r) => r.meta.userAgent).sort()).toEqual(stores.map((_, i) => `s${i}`).sort())
    } finally {
      await Promise.all(stores.map((s) => s.close()))
    }
  })
})
