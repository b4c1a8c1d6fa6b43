/**
 * Coalescing (issue 15): concurrent hot calls share statements, and each caller still gets its own answer,
 * its own error and its own timeout; calls for one session keep their order, and the revocation rules hold
 * inside a batch. Batching is proven by the store's batchStats, never by a timer: calls made in one tick
 * while a statement of their kind is in flight all wait for the next one.
 */
import { type BatchStats, isPgStoreError, newSessionId, PgStore, type PgStoreOptions } from '@pgstore/core'
import { type DbKind, digest, useTestDatabase } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/postgres-js'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

interface Data {
  user?: string
  n?: number
  blob?: string
  bad?: boolean
}

const DAY = 86_400_000

/** The histogram agrees with the counters: its statements sum to `statements`, their calls to `calls`. */
function expectConsistent(stats: BatchStats): void {
  expect(stats.sizes.reduce((sum, n) => sum + n, 0)).toBe(stats.statements)
  expect(stats.sizes.reduce((sum, n, k) => sum + k * n, 0)).toBe(stats.calls)
  expect(stats.sizes.every((n) => n >= 0)).toBe(true)
  expect(stats.sizes.length - 1).toBeLessThanOrEqual(stats.largest)
}

/** Statements that carried at least `k` calls between two reads of `batchStats`. */
const carriedAtLeast = (before: BatchStats, after: BatchStats, k: number) =>
  after.sizes.reduce((sum, n, size) => (size >= k ? sum + n - (before.sizes[size] ?? 0) : sum), 0)

type Setup = (db: ReturnType<typeof useTestDatabase>) => Partial<PgStoreOptions<Data>> & {
  end?: () => Promise<void>
}
const drivers: Array<[string, DbKind, Setup]> = [
  ['node-postgres, named statements', 'pg', (db) => ({ db: db.db })],
  ['node-postgres, unnamed statements', 'pg', (db) => ({ db: db.db, preparedStatements: false })],
  [
    'postgres.js',
    'pg',
    (db) => {
      const client = postgres(db.url!, { max: 4, onnotice: () => undefined })
      return { db: drizzle({ client }), end: () => client.end() }
    },
  ],
  ['PGlite', 'pglite', (db) => ({ db: db.db })],
]

describe.each(drivers)('coalescing on %s', (_name, kind, setup) => {
  const db = useTestDatabase(kind, { createTable: true })
  let store: PgStore<Data>
  let end: (() => Promise<void>) | undefined

  const open = (extra: Partial<PgStoreOptions<Data>> = {}) => {
    const { end: stop, ...own } = setup(db)
    end = stop
    return new PgStore<Data>({
      table: db.table,
      prune: false,
      touchAfter: 0,
      maxBytes: 4096,
      userId: (data) => data.user,
      ...own,
      ...extra,
    } as PgStoreOptions<Data>)
  }
  beforeAll(async () => {
    store = open()
    // A write whose data says `bad` fails on the server, so its statement fails.
    await db.query(`
      create or replace function "${db.schema}".refuse_bad() returns trigger language plpgsql as $$
      begin
        if new.data ? 'bad' then raise exception 'refused'; end if;
        return new;
      end $$`)
    await db.query(`
      create trigger refuse_bad before insert or update on ${db.sessions}
        for each row execute function "${db.schema}".refuse_bad();
    `)
  })
  afterAll(async () => {
    await store.close()
    await end?.()
  })

  const rowCount = async (sid: string) =>
    (await db.query(`select 1 from ${db.sessions} where id = $1`, [digest(sid)])).length
  /** Two reads: the first goes alone, so every read made after it in this tick waits (see the first get test). */
  const fillers = () => [store.get(newSessionId()), store.get(newSessionId())]

  it('sends a call at once on a quiet store: nothing waits, one statement per call', async () => {
    const quiet = open()
    try {
      const sid = newSessionId()
      expect(await quiet.create(sid, { n: 1 })).toBe(true)
      expect(await quiet.get(sid)).toEqual({ n: 1 })
      expect(await quiet.touch(sid)).toBe(true)
      expect(await quiet.update(sid, { n: 2 })).toBe(true)
      await quiet.destroy(sid)
      expect(quiet.batchStats).toEqual({ calls: 5, statements: 5, waited: 0, largest: 1, sizes: [0, 5] })
    } finally {
      await quiet.close()
    }
  })

  it('gives every caller of a batched get its own row, duplicates and misses included', async () => {
    const sids = Array.from({ length: 30 }, newSessionId)
    await Promise.all(sids.map((sid, n) => store.create(sid, { n })))
    const before = store.batchStats
    const missing = newSessionId()
    const asked = [...sids, sids[0]!, sids[7]!, missing, 'not an id']
    const [, , ...got] = await Promise.all([...fillers(), ...asked.map((sid) => store.get(sid))])
    expect(got).toEqual([...sids.map((_s, n) => ({ n })), { n: 0 }, { n: 7 }, null, null])
    const after = store.batchStats
    expect(after.waited - before.waited).toBeGreaterThanOrEqual(asked.length - 1)
    // The first filler went alone; the second and 7 more went at 8 calls as the second statement in flight;
    // the other 27 waited for one to come back and went together.
    expect(after.statements - before.statements).toBe(3)
    expect(carriedAtLeast(before, after, 8)).toBe(2)
    expect(after.largest).toBeGreaterThanOrEqual(asked.length - 7)
    expectConsistent(after)
  })

  it('splits calls over the bound of 256 into several statements, none larger', async () => {
    const sids = Array.from({ length: 600 }, newSessionId)
    const before = store.batchStats
    const created = await Promise.all(sids.map((sid, n) => store.create(sid, { n })))
    expect(created.every((ok) => ok === true)).toBe(true)
    const read = await Promise.all(sids.map((sid) => store.get(sid)))
    expect(read).toEqual(sids.map((_sid, n) => ({ n })))
    const after = store.batchStats
    expect(after.largest).toBe(256)
    expect(after.sizes.length).toBe(257)
    // 599 calls of each kind waited behind the first: at least 3 statements each, 2 of them full.
    expect(carriedAtLeast(before, after, 256)).toBeGreaterThanOrEqual(4)
    expect(after.statements - before.statements).toBeGreaterThanOrEqual(8)
    expectConsistent(after)
  })

  it('hands out copies of its statistics: a read never changes under the caller', async () => {
    const first = store.batchStats
    const sizes = [...first.sizes]
    await Promise.all([...fillers(), store.get(newSessionId()), store.get(newSessionId())])
    expect(first.sizes).toEqual(sizes)
    expect(store.batchStats.calls).toBe(first.calls + 4)
  })

  it('batches writes of every kind, each answered for its own row', async () => {
    const fresh = Array.from({ length: 10 }, newSessionId)
    await Promise.all([...fillers(), ...fresh.map((sid, n) => store.create(sid, { n, user: 'w' }))])
    const taken = fresh[0]!
    const results = await Promise.all([
      ...fillers(),
      store.create(taken, { n: 99 }), // a live row holds the id: nothing written
      ...fresh.slice(1, 4).map((sid) => store.update(sid, { n: 100 })),
      ...fresh.slice(4, 7).map((sid) => store.touch(sid, { ttl: 2 * DAY })),
      ...fresh.slice(7).map((sid) => store.set(sid, { n: 200 })),
    ])
    expect(results.slice(2)).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      undefined,
      undefined,
      undefined,
    ])
    expect(await store.get(taken)).toEqual({ n: 0, user: 'w' })
    expect(await store.get(fresh[1]!)).toEqual({ n: 100 })
    expect(await store.get(fresh[5]!)).toEqual({ n: 5, user: 'w' })
    expect(await store.get(fresh[8]!)).toEqual({ n: 200 })
    const touched = await db.query<{ left: number }>(
      `select extract(epoch from expires_at - now()) as left from ${db.sessions} where id = $1`,
      [digest(fresh[5]!)],
    )
    expect(Number(touched[0]!.left)).toBeGreaterThan(1.5 * 86_400)
    expect(store.batchStats.largest).toBeGreaterThanOrEqual(3)
    expectConsistent(store.batchStats)
  })

  it('fails only the bad call of a batch: an oversize one before it joins, a refused row on retry', async () => {
    const sids = Array.from({ length: 8 }, newSessionId)
    const before = store.batchStats
    const settled = await Promise.allSettled([
      ...fillers(),
      ...sids.map((sid, n) =>
        store.create(sid, n === 2 ? { blob: 'x'.repeat(5000) } : n === 5 ? { bad: true } : { n }),
      ),
    ])
    const codes = settled.slice(2).map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error)))
    expect(codes[2]).toSatisfy((e) => isPgStoreError(e) && e.code === 'SESSION_TOO_LARGE')
    expect(codes[5]).toSatisfy((e) => isPgStoreError(e) && e.code === 'QUERY_FAILED')
    expect(codes.filter((c) => c === true)).toHaveLength(6)
    for (const [n, sid] of sids.entries()) expect(await rowCount(sid)).toBe(n === 2 || n === 5 ? 0 : 1)
    // The failed batch went again call by call: it counts at sizes[0], each of its calls at sizes[1].
    const after = store.batchStats
    expect(after.statements - before.statements).toBeGreaterThan(3)
    expect(after.sizes[0]! - (before.sizes[0] ?? 0)).toBeGreaterThanOrEqual(1)
    expectConsistent(after)
  })

  it('keeps the order of calls for one session: last write wins, a destroy after a set destroys', async () => {
    const [a, b, c] = [newSessionId(), newSessionId(), newSessionId()]
    await store.create(c, { n: 0 })
    await Promise.all([
      ...fillers(),
      store.set(a, { n: 1 }),
      store.set(a, { n: 2 }),
      store.set(a, { n: 3 }),
      store.set(b, { n: 1 }),
      store.destroy(b),
      store.destroy(c),
      store.set(c, { n: 4 }),
    ])
    expect(await store.get(a)).toEqual({ n: 3 })
    expect(await store.get(b)).toBeNull()
    expect(await store.get(c)).toEqual({ n: 4 })
  })

  it('keeps revoked sessions revoked inside a batch: update and touch never resurrect', async () => {
    const sids = Array.from({ length: 6 }, newSessionId)
    await Promise.all(sids.map((sid, n) => store.create(sid, { n, user: 'r' })))
    await store.destroy(sids[0]!)
    await db.query(`update ${db.sessions} set expires_at = now() - interval '1 second' where id = $1`, [
      digest(sids[1]!),
    ])
    const results = await Promise.all([
      ...fillers(),
      store.destroy(sids[2]!),
      store.update(sids[2]!, { n: 20 }), // after the destroy in call order: finds no row
      ...sids.map((sid) => store.update(sid, { n: 50 })),
      store.touch(sids[0]!, { ttl: DAY }),
      store.touch(sids[1]!, { ttl: DAY }),
    ])
    expect(results.slice(2)).toEqual([undefined, false, false, false, false, true, true, true, false, false])
    expect(await rowCount(sids[0]!)).toBe(0)
    expect(await rowCount(sids[2]!)).toBe(0)
    expect(await store.get(sids[1]!)).toBeNull() // still expired
    expect(await store.get(sids[3]!)).toEqual({ n: 50 })
  })
})

describe('coalescing keeps each call its own timeout (PostgreSQL)', () => {
  const db = useTestDatabase('pg', { createTable: true })

  it('times out the writes stuck behind a slow statement while reads go on', async () => {
    const store = new PgStore<Data & { hold?: boolean }>({
      db: db.db,
      table: db.table,
      prune: false,
      queryTimeout: 300,
    })
    await db.query(`
      create or replace function "${db.schema}".hold() returns trigger language plpgsql as $$
      begin
        if new.data ? 'hold' then perform pg_sleep(2); end if;
        return new;
      end $$;
      create trigger hold before insert or update on ${db.sessions}
        for each row execute function "${db.schema}".hold();
    `)
    try {
      const sid = newSessionId()
      await store.create(sid, { n: 1 })
      const stuck = [newSessionId(), newSessionId()].map((s) => store.create(s, { hold: true }))
      const waiting = Array.from({ length: 4 }, () => store.create(newSessionId(), { n: 2 }))
      const reads = await Promise.all([store.get(sid), store.get(sid), store.get(sid)])
      expect(reads).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }])
      const settled = await Promise.allSettled([...stuck, ...waiting])
      for (const s of settled.slice(0, 2)) {
        expect(s.status === 'rejected' && isPgStoreError(s.reason) && s.reason.code).toBe('TIMEOUT')
      }
      expect(store.batchStats.waited).toBeGreaterThanOrEqual(4)
    } finally {
      await store.close()
    }
  })
})

describe('a statement hung past queryTimeout gives up its slot (PostgreSQL)', () => {
  const db = useTestDatabase('pg', { createTable: true })

  it('lets the writes of other sessions through while it still waits on a lock', async () => {
    // No server-side bound, so the update waits on the row lock for as long as the lock is held.
    const store = new PgStore<Data>({
      db: db.db,
      table: db.table,
      prune: false,
      queryTimeout: 300,
      statementTimeout: 0,
    })
    const locker = new pg.Client({ connectionString: db.url })
    await locker.connect()
    try {
      const sid = newSessionId()
      await store.create(sid, { n: 1 })
      await locker.query('begin')
      await locker.query(`select 1 from ${db.sessions} where id = $1 for update`, [digest(sid)])
      const hung = await store.update(sid, { n: 2 }).catch((e: unknown) => e)
      expect(isPgStoreError(hung, 'TIMEOUT')).toBe(true)
      // Past its caller's timeout, the hung update no longer holds the one write slot.
      await new Promise((resolve) => setTimeout(resolve, 100))
      const other = newSessionId()
      expect(await store.create(other, { n: 3 })).toBe(true)
      expect(await store.get(other)).toEqual({ n: 3 })
      await locker.query('rollback')
    } finally {
      await locker.end()
      await store.close()
    }
  })
})

describe('coalescing never resends a batch whose connection went (PostgreSQL)', () => {
  const db = useTestDatabase('pg', { createTable: true })

  it('fails every call of it, since the statement may have committed, and serves the next calls', async () => {
    const store = new PgStore<{ die?: boolean; n?: number }>({ db: db.db, table: db.table, prune: false })
    store.on('disconnect', () => undefined)
    await db.query(`
      create or replace function "${db.schema}".die() returns trigger language plpgsql as $$
      begin
        if new.data ? 'die' then perform pg_terminate_backend(pg_backend_pid()); end if;
        return new;
      end $$`)
    await db.query(
      `create trigger die before insert on ${db.sessions} for each row execute function "${db.schema}".die()`,
    )
    try {
      const sids = Array.from({ length: 4 }, newSessionId)
      await store.get(newSessionId()) // connected, so every call below is made in this tick
      const before = store.batchStats
      const settled = await Promise.allSettled([
        store.get(newSessionId()),
        store.get(newSessionId()),
        store.create(newSessionId(), { n: 0 }),
        ...sids.map((sid, n) => store.create(sid, n === 0 ? { die: true } : { n })),
      ])
      const batch = settled.slice(3)
      for (const s of batch) {
        expect(s.status === 'rejected' && isPgStoreError(s.reason) && s.reason.code).toBe('DB_UNAVAILABLE')
      }
      expect(store.batchStats.statements - before.statements).toBe(4) // 2 reads and a write alone, the batch once
      expect(carriedAtLeast(before, store.batchStats, 4)).toBe(1)
      expectConsistent(store.batchStats)
      for (const sid of sids) expect(await rowCount(sid)).toBe(0)
      const sid = newSessionId()
      expect(await store.create(sid, { n: 9 })).toBe(true)
      expect(await store.get(sid)).toEqual({ n: 9 })
    } finally {
      await store.close()
    }
  })

  const rowCount = async (sid: string) =>
    (await db.query(`select 1 from ${db.sessions} where id = $1`, [digest(sid)])).length
})

describe('coalesce: false', () => {
  const db = useTestDatabase('pg', { createTable: true })

  it('sends every call alone and keeps no statistics', async () => {
    const store = new PgStore({ db: db.db, table: db.table, prune: false, coalesce: false })
    try {
      const sids = Array.from({ length: 20 }, newSessionId)
      await Promise.all(sids.map((sid, n) => store.set(sid, { n })))
      expect(await Promise.all(sids.map((sid) => store.get(sid)))).toEqual(sids.map((_s, n) => ({ n })))
      expect(store.batchStats).toEqual({ calls: 0, statements: 0, waited: 0, largest: 0, sizes: [] })
    } finally {
      await store.close()
    }
  })

  it('refuses a value that is not a boolean', () => {
    expect(() => new PgStore({ db: db.db, coalesce: 'no' as never })).toThrow(
      /coalesce must be true or false/,
    )
  })
})
