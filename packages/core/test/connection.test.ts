import { digestSessionId, isPgStoreError, newSessionId, PgStore, type PgStoreError } from '@pgstore/core'
import { useTestDatabase } from '@pgstore/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'

describe('database sources, ownership and failures', () => {
  const db = useTestDatabase('pg')

  it('takes a pg.Pool and leaves it open on close()', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    const store = new PgStore({ pool, table: db.table, createTable: true, prune: false })
    const sid = newSessionId()
    await store.set(sid, { via: 'pool' })
    expect(await store.get(sid)).toEqual({ via: 'pool' })
    await store.close()
    expect((await pool.query('select 1 as one')).rows[0].one).toBe(1)
    await pool.end()
  })

  it('creates a pool for a connection string and ends it on close()', async () => {
    const store = new PgStore({ connectionString: db.url!, table: db.table, createTable: true, prune: false })
    const sid = newSessionId()
    await store.set(sid, { via: 'url' })
    expect(await store.get(sid)).toEqual({ via: 'url' })
    await store.close()
    const err = await store.get(sid).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'CLOSED')).toBe(true)
  })

  it('leaves a Drizzle db open on close()', async () => {
    const store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    await store.length()
    await store.close()
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }])
  })

  it('wants exactly one database source', () => {
    expect(() => new PgStore({})).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => new PgStore({ db: db.db, connectionString: db.url! })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
    expect(() => new PgStore({ db: db.db, ttl: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS' }),
    )
  })

  it('an unreachable server gives DB_UNAVAILABLE with the cause kept, a disconnect event, and no crash', async () => {
    const store = new PgStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      prune: false,
      connectTimeout: 2_000,
    })
    const events: PgStoreError[] = []
    store.on('disconnect', (e) => events.push(e))
    const sid = newSessionId()
    const err = (await store.set(sid, { secret: 'do-not-log' }).catch((e: unknown) => e)) as PgStoreError
    expect(isPgStoreError(err, 'DB_UNAVAILABLE')).toBe(true)
    expect((err.cause as { code?: string }).code).toBe('ECONNREFUSED')
    expect(err.message).not.toContain(sid)
    expect(err.message).not.toContain('do-not-log')
    expect(events).toHaveLength(1)
    expect(store.healthy).toBe(false)
    await store.close()
  })

  it('a query error message never carries the id or the data, even though drizzle’s does', async () => {
    const store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    await store.length()
    await db.query(`alter table ${db.sessions} add constraint tiny check (length(data::text) < 20)`)
    try {
      const sid = newSessionId()
      const err = (await store
        .set(sid, { note: 'private-session-data' })
        .catch((e: unknown) => e)) as PgStoreError
      expect(isPgStoreError(err, 'QUERY_FAILED')).toBe(true)
      expect(err.message).toContain('23514')
      for (const text of [err.message, String(err.stack), (err.cause as Error).message]) {
        expect(text).not.toContain(sid)
        expect(text).not.toContain('private-session-data')
      }
    } finally {
      await db.query(`alter table ${db.sessions} drop constraint tiny`)
      await store.close()
    }
  })

  it('touch inside touchAfter sends no query; outside it moves the expiry', async () => {
    const store = new PgStore({
      db: db.db,
      table: db.table,
      createTable: true,
      prune: false,
      touchAfter: 60_000,
    })
    const sid = newSessionId()
    await store.set(sid, { v: 1 }, { ttl: 3_600_000 })
    expect(await store.touch(sid, { ttl: 7_200_000 })).toBe(false)
    const fresh = new PgStore({ db: db.db, table: db.table, prune: false, touchAfter: 60_000 })
    await db.query(`update ${db.sessions} set updated_at = now() - interval '2 minutes'`)
    await fresh.get(sid)
    expect(await fresh.touch(sid, { ttl: 7_200_000 })).toBe(true)
    const [row] = await db.query<{ expires_at: Date }>(`select expires_at from ${db.sessions}`)
    expect(row!.expires_at.getTime()).toBeGreaterThan(Date.now() + 7_000_000)
    // A short-lived session still moves: the window is capped at half the requested lifetime.
    const brief = newSessionId()
    await store.set(brief, { v: 1 }, { ttl: 60 })
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(await store.touch(brief, { ttl: 60 })).toBe(true)
    // A margin past the client's expiry does not widen the window: koa-session asks for 60 ms + 10 s.
    const margined = newSessionId()
    await store.set(margined, { v: 1 }, { ttl: 10_060 })
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(await store.touch(margined, { ttl: 10_060 })).toBe(false)
    expect(await store.touch(margined, { ttl: 10_060, margin: 10_000 })).toBe(true)
    await store.close()
    await fresh.close()
    await db.query(`delete from ${db.sessions}`)
  })

  it('a write with an expiry in the past destroys the session', async () => {
    const store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    const sid = newSessionId()
    await store.set(sid, { v: 1 })
    await store.set(sid, { v: 2 }, { expiresAt: new Date(Date.now() - 1_000) })
    expect(await db.query(`select 1 from ${db.sessions} where id = $1`, [digestSessionId(sid)])).toHaveLength(
      0,
    )
    await store.close()
  })

  it('refuses an invalid id on write, and treats one as missing on read', async () => {
    const store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    await expect(store.set('', { v: 1 })).rejects.toMatchObject({ code: 'INVALID_SESSION_ID' })
    await expect(store.set('x'.repeat(10_000), { v: 1 })).rejects.toMatchObject({
      code: 'INVALID_SESSION_ID',
    })
    expect(await store.get('x'.repeat(10_000))).toBeNull()
    expect(await store.get(42 as unknown as string)).toBeNull()
    await store.close()
  })
})
