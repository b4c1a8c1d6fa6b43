import { randomBytes } from 'node:crypto'
import {
  digestSessionId,
  isPgStoreError,
  newSessionId,
  PgStore,
  type PgStoreError,
  type PgStoreOptions,
} from '@pgstore/core'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noticePayloads } from '../src/cache/protocol'

/** Polls `check` until it returns true, for at most `ms`; returns whether it did. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return check()
}

type Query = (...args: unknown[]) => Promise<unknown>

/** Routes every `pool.query` call through `through`, which gets the call's arguments and the pool's own query. */
function interceptQueries(pool: pg.Pool, through: (args: unknown[], query: Query) => unknown): void {
  const query = pool.query.bind(pool) as Query
  ;(pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) =>
    through(args, query)
}

/** A pg.Pool that counts the queries sent through `pool.query` (the store's statements; not the listener). */
function countingPool(url: string, applicationName = `pgstore_cache_${randomBytes(4).toString('hex')}`) {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: applicationName })
  pool.on('error', () => undefined)
  const counter = { queries: 0, applicationName }
  interceptQueries(pool, (args, query) => {
    counter.queries++
    return query(...args)
  })
  return { pool, counter }
}

describe('read cache on PostgreSQL', () => {
  let db: TestDatabase
  const stores: PgStore[] = []
  const pools: pg.Pool[] = []
  const make = (options: Partial<PgStoreOptions>) => {
    const store = new PgStore({
      table: db.table,
      createTable: true,
      prune: false,
      ...options,
    } as PgStoreOptions)
    store.on('backgroundError', () => undefined)
    stores.push(store)
    return store
  }
  const listeners = async (applicationName: string) =>
    Number(
      (
        await db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where query ilike 'LISTEN%' and application_name = $1 and datname = current_database()`,
          [applicationName],
        )
      )[0]!.n,
    )

  beforeAll(async () => {
    db = await createTestDatabase('pg')
  })
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined)
    for (const p of pools) await p.end().catch(() => undefined)
    await db.close()
  })

  it('serves a cached read without a query, as a fresh object each time', async () => {
    const { pool, counter } = countingPool(db.url!)
    pools.push(pool)
    const a = make({ pool, cache: {} })
    const sid = newSessionId()
    await a.set(sid, { cart: ['x'] })
    expect(await a.get(sid)).toEqual({ cart: ['x'] })
    const before = counter.queries
    const first = (await a.get(sid)) as { cart: string[] }
    const second = await a.get(sid)
    expect(counter.queries).toBe(before)
    expect(first).toEqual({ cart: ['x'] })
    first.cart.push('mutated')
    expect(second).toEqual({ cart: ['x'] })
    expect(await a.get(sid)).toEqual({ cart: ['x'] })
    expect(counter.queries).toBe(before)
  })

  it('a write fills the cache with what it wrote: the next read sends no query', async () => {
    const { pool, counter } = countingPool(db.url!)
    pools.push(pool)
    const a = make({ pool, cache: {} })
    const sid = newSessionId()
    await a.set(sid, { step: 1 })
    await a.set(sid, { step: 2 })
    const before = counter.queries
    expect(await a.get(sid)).toEqual({ step: 2 })
    expect(counter.queries).toBe(before)
    await a.destroy(sid)
    const afterDestroy = counter.queries
    expect(await a.get(sid)).toBeNull()
    expect(counter.queries).toBe(afterDestroy + 1)
  })

  it('a read in flight across our own write does not put the older row back in the cache', async () => {
    const { pool } = countingPool(db.url!)
    pools.push(pool)
    let hold: Promise<void> | undefined
    let release: () => void = () => undefined
    interceptQueries(pool, (args, query) => {
      const result = query(...args)
      const gate = hold
      hold = undefined
      if (!gate) return result
      return result.then(async (r) => {
        await gate
        return r
      })
    })
    const a = make({ pool, cache: {} })
    await a.length()
    const sid = newSessionId()
    // Written with plain SQL: no NOTIFY, so nothing else moves the cache's epoch during the race.
    await db.query(
      `insert into ${db.sessions} (id, data, expires_at) values ($1, '{"v":1}', now() + interval '1 hour')`,
      [digestSessionId(sid)],
    )
    hold = new Promise<void>((r) => {
      release = r
    })
    const reading = a.get(sid)
    await a.set(sid, { v: 2 })
    release()
    expect(await reading).toEqual({ v: 1 })
    expect(await a.get(sid)).toEqual({ v: 2 })
  })

  it('sees set, touch, destroy and destroyByUser made by another instance', async () => {
    const a = make({ connectionString: db.url!, cache: {}, userId: (d) => d.user as string })
    const b = make({
      connectionString: db.url!,
      cache: {},
      touchAfter: 0,
      userId: (d) => d.user as string,
    })
    const sid = newSessionId()
    await b.set(sid, { user: 'u1', v: 1 })
    expect(await a.get(sid)).toEqual({ user: 'u1', v: 1 })

    await b.set(sid, { user: 'u1', v: 2 })
    expect(await eventually(async () => (await a.get(sid))?.v === 2)).toBe(true)
    expect(await a.get(sid)).toEqual({ user: 'u1', v: 2 })

    const before = (await a.getRecord(sid))!.expiresAt.getTime()
    expect(await b.touch(sid, { ttl: 7 * 86_400_000 })).toBe(true)
    expect(
      await eventually(async () => (await a.getRecord(sid))!.expiresAt.getTime() > before + 86_400_000),
    ).toBe(true)

    await b.destroy(sid)
    expect(await eventually(async () => (await a.get(sid)) === null)).toBe(true)
    expect(await a.get(sid)).toBeNull()

    const other = newSessionId()
    await b.set(other, { user: 'u2' })
    expect(await a.get(other)).toEqual({ user: 'u2' })
    expect(await b.destroyByUser('u2')).toBe(1)
    expect(await eventually(async () => (await a.get(other)) === null)).toBe(true)

    const third = newSessionId()
    await b.set(third, { user: 'u3' })
    expect(await a.get(third)).toEqual({ user: 'u3' })
    expect(await b.destroyByDigest(digestSessionId(third))).toBe(true)
    expect(await eventually(async () => (await a.get(third)) === null)).toBe(true)

    const fourth = newSessionId()
    await b.set(fourth, { user: 'u4' })
    expect(await a.get(fourth)).toEqual({ user: 'u4' })
    expect(await b.clear()).toBeGreaterThanOrEqual(1)
    expect(await eventually(async () => (await a.get(fourth)) === null)).toBe(true)
  })

  it('sees every deletion made by an instance without a cache, and an update finding its row gone', async () => {
    const a = make({ connectionString: db.url!, cache: {}, userId: (d) => d.user as string })
    const admin = make({ connectionString: db.url!, userId: (d) => d.user as string })
    const cached = async (data: Record<string, unknown>) => {
      const sid = newSessionId()
      await a.set(sid, data)
      expect(await a.get(sid)).toEqual(data) // served from a's cache from now on
      return sid
    }
    // The default cache maxAge is 30 s, so only an announcement can drop these within the 5 s allowed.
    const gone = (sid: string) => eventually(async () => (await a.get(sid)) === null, 5_000)

    const one = await cached({ user: 'v1' })
    await admin.destroy(one)
    expect(await gone(one)).toBe(true)

    const two = await cached({ user: 'v2' })
    expect(await admin.destroyByUser('v2')).toBe(1)
    expect(await gone(two)).toBe(true)

    const three = await cached({ user: 'v3' })
    expect(await admin.destroyByDigest(digestSessionId(three))).toBe(true)
    expect(await gone(three)).toBe(true)

    const four = await cached({ user: 'v4' })
    expect(await admin.clear()).toBeGreaterThanOrEqual(1)
    expect(await gone(four)).toBe(true)

    // A request that loaded the session before an admin removed it: its save writes nothing and the
    // cache forgets the session at once, announcement or not.
    const five = await cached({ user: 'v5' })
    await db.query(`delete from ${db.sessions} where id = $1`, [digestSessionId(five)])
    expect(await a.get(five)).toEqual({ user: 'v5' }) // plain SQL is not announced: still cached
    expect(await a.update(five, { user: 'v5', n: 1 })).toBe(false)
    expect(await a.get(five)).toBeNull()
  })

  it('announces a burst of concurrent writes in a few batched NOTIFYs that reach every other instance', async () => {
    const { pool } = countingPool(db.url!)
    pools.push(pool)
    const sent: string[] = []
    interceptQueries(pool, (args, query) => {
      const config = args[0] as { name?: string } | string
      sent.push(typeof config === 'string' ? config : (config.name ?? ''))
      return query(...args)
    })
    const a = make({ pool, cache: {} })
    const b = make({ connectionString: db.url!, cache: {} })
    // 400 digests do not fit one NOTIFY payload (under 8000 bytes), so the batch is split.
    const sids = Array.from({ length: 400 }, () => newSessionId())
    await Promise.all(sids.map((sid) => a.set(sid, { v: 1 })))
    for (const sid of sids) expect(await b.get(sid)).toEqual({ v: 1 })
    sent.length = 0
    const before = a.batchStats
    await Promise.all(sids.map((sid) => a.set(sid, { v: 2 })))
    const upserts = sent.filter((name) => name.startsWith('pgstore_set_')).length
    const notifies = sent.filter((name) => name.startsWith('pgstore_notify_')).length
    // The 400 writes went coalesced (each statement one or many of them); each still announces its digest.
    expect(a.batchStats.calls - before.calls).toBe(400)
    expect(upserts).toBe(a.batchStats.statements - before.statements)
    expect(upserts).toBeLessThan(400)
    expect(notifies).toBeGreaterThanOrEqual(1)
    expect(notifies).toBeLessThan(40)
    for (const sid of sids) {
      expect(await eventually(async () => (await b.get(sid))?.v === 2)).toBe(true)
    }
  })

  it('a failed announcement is a backgroundError; the write it follows still succeeds', async () => {
    const { pool } = countingPool(db.url!)
    pools.push(pool)
    let failNotify = true
    interceptQueries(pool, (args, query) => {
      const config = args[0] as { name?: string }
      if (failNotify && config?.name?.startsWith('pgstore_notify_')) {
        // What the driver reports when the server ends the connection under a statement.
        return Promise.reject(
          Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
        )
      }
      return query(...args)
    })
    const a = new PgStore({ pool, table: db.table, createTable: true, prune: false, cache: {} })
    stores.push(a)
    const errors: PgStoreError[] = []
    a.on('backgroundError', (err) => errors.push(err))
    const sid = newSessionId()
    await a.set(sid, { v: 1 })
    expect(errors.map((e) => e.code)).toEqual(['DB_UNAVAILABLE'])
    expect(errors[0]!.message).not.toContain(sid)
    expect(errors[0]!.message).not.toContain(digestSessionId(sid))
    expect(a.healthy).toBe(true)
    const [row] = await db.query<{ data: { v: number } }>(`select data from ${db.sessions} where id = $1`, [
      digestSessionId(sid),
    ])
    expect(row!.data).toEqual({ v: 1 })
    failNotify = false
    await a.set(sid, { v: 2 })
    expect(errors).toHaveLength(1)
  })

  it('splits announcements into payloads PostgreSQL accepts, each naming its instance', () => {
    const digests = Array.from({ length: 1_000 }, () => digestSessionId(newSessionId()))
    const payloads = noticePayloads('0123456789abcdef', digests)
    expect(payloads.length).toBeGreaterThan(1)
    for (const p of payloads) {
      expect(Buffer.byteLength(p)).toBeLessThan(8_000)
      expect(p.startsWith('0123456789abcdef:')).toBe(true)
    }
    expect(payloads.flatMap((p) => p.slice(p.indexOf(':') + 1).split(','))).toEqual(digests)
    expect(noticePayloads('i', [])).toEqual([])
  })

  it('does not serve an entry past its expiry', async () => {
    const { pool, counter } = countingPool(db.url!)
    pools.push(pool)
    const a = make({ pool, cache: {} })
    const sid = newSessionId()
    await a.set(sid, { short: true }, { ttl: 300 })
    expect(await a.get(sid)).toEqual({ short: true })
    const before = counter.queries
    expect(await eventually(async () => (await a.get(sid)) === null)).toBe(true)
    expect(counter.queries, 'reads after the expiry went to the database').toBeGreaterThan(before)
  })

  it('bypasses the cache while its listener is down, then reconnects and caches again', async () => {
    const { pool, counter } = countingPool(db.url!)
    pools.push(pool)
    const a = make({ pool, cache: {} })
    const b = make({ connectionString: db.url!, cache: {} })
    const sid = newSessionId()
    await a.set(sid, { v: 1 })
    expect(await a.get(sid)).toEqual({ v: 1 })
    expect(await listeners(counter.applicationName)).toBe(1)

    await db.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where query ilike 'LISTEN%' and application_name = $1 and datname = current_database()`,
      [counter.applicationName],
    )
    // The listener's loss is noticed asynchronously; once it is, every read goes to the database.
    expect(
      await eventually(async () => {
        const before = counter.queries
        await a.get(sid)
        return counter.queries > before
      }),
    ).toBe(true)
    await b.set(sid, { v: 2 })
    // Either the listener is still down (read from the DB) or it is back and was cleared on reconnect.
    expect(await a.get(sid)).toEqual({ v: 2 })

    expect(await eventually(async () => (await listeners(counter.applicationName)) === 1)).toBe(true)
    expect(
      await eventually(async () => {
        await a.get(sid)
        const before = counter.queries
        await a.get(sid)
        return counter.queries === before
      }),
    ).toBe(true)
    expect(await a.get(sid)).toEqual({ v: 2 })
  })

  it('keeps data encrypted at rest with the cache on', async () => {
    const a = make({ connectionString: db.url!, cache: {}, encryption: { keys: ['k'.repeat(32)] } })
    const sid = newSessionId()
    await a.set(sid, { secret: 'plain-marker' })
    expect(await a.get(sid)).toEqual({ secret: 'plain-marker' })
    expect(await a.get(sid)).toEqual({ secret: 'plain-marker' })
    const [row] = await db.query<{ data: string }>(
      `select data::text as data from ${db.sessions} where id = $1`,
      [digestSessionId(sid)],
    )
    expect(row!.data).not.toContain('plain-marker')
  })

  it('close() ends the listener and leaves a given pool usable', async () => {
    const { pool, counter } = countingPool(db.url!)
    pools.push(pool)
    const a = new PgStore({ pool, table: db.table, createTable: true, prune: false, cache: {} })
    const sid = newSessionId()
    await a.set(sid, { v: 1 })
    expect(await listeners(counter.applicationName)).toBe(1)
    await a.close()
    expect(await eventually(async () => (await listeners(counter.applicationName)) === 0)).toBe(true)
    expect((await pool.query('select 1 as one')).rows[0].one).toBe(1)
  })

  it('refuses a source that cannot LISTEN, and bad cache options', async () => {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    const { drizzle } = await import('drizzle-orm/node-postgres')
    const a = new PgStore({ db: drizzle({ client }), table: db.table, prune: false, cache: {} })
    const err = await a.length().catch((e: unknown) => e)
    expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
    await a.close()
    await client.end()
    expect(() => new PgStore({ connectionString: db.url!, cache: { max: 0 } })).toThrow(/cache.max/)
    const single = new pg.Pool({ connectionString: db.url, max: 1 })
    const b = new PgStore({ pool: single, table: db.table, prune: false, cache: {} })
    expect(isPgStoreError(await b.length().catch((e: unknown) => e), 'INVALID_OPTIONS')).toBe(true)
    await b.close()
    await single.end()
  })
})

describe('read cache on PGlite', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pglite')
  })
  afterAll(async () => {
    await db.close()
  })

  it('caches reads and sees the writes of another instance on the same database', async () => {
    const opts = { db: db.db, table: db.table, createTable: true, prune: false, cache: {} } as const
    const a = new PgStore(opts)
    const b = new PgStore(opts)
    const sid = newSessionId()
    await b.set(sid, { v: 1 })
    expect(await a.get(sid)).toEqual({ v: 1 })
    expect(await a.get(sid)).toEqual({ v: 1 })
    await b.set(sid, { v: 2 })
    expect(await eventually(async () => (await a.get(sid))?.v === 2)).toBe(true)
    await b.destroy(sid)
    expect(await eventually(async () => (await a.get(sid)) === null)).toBe(true)
    await a.close()
    await b.close()
  })
})
