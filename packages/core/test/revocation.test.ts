import { isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { createHeaderCookieJar, createRequestSessions, type RequestSessions } from '@pgstore/core/web'
import { type DbKind, digest, useTestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

interface Data {
  user?: string
  n?: number
}

const DAY = 86_400_000

describe.each<DbKind>(['pg', 'pglite'])('revoked sessions stay revoked on %s', (kind) => {
  const db = useTestDatabase(kind)
  let store: PgStore<Data>

  beforeAll(async () => {
    store = new PgStore<Data>({
      db: db.db,
      table: db.table,
      createTable: true,
      prune: false,
      touchAfter: 0,
      userId: (data) => data.user,
    })
  })
  afterAll(async () => {
    await store.close()
  })

  const rowCount = async (sid: string) =>
    (await db.query(`select 1 from ${db.sessions} where id = $1`, [digest(sid)])).length

  it('an update of a session destroyed while the request ran writes nothing', async () => {
    const sid = newSessionId()
    expect(await store.create(sid, { user: 'alice', n: 1 })).toBe(true)
    expect(await store.get(sid)).toEqual({ user: 'alice', n: 1 }) // the request loads it
    await store.destroy(sid) // a logout in another tab
    expect(await store.update(sid, { user: 'alice', n: 2 })).toBe(false)
    expect(await store.get(sid)).toBeNull()
    expect(await rowCount(sid)).toBe(0)
  })

  it('an update after destroyByUser writes nothing, and neither does a touch', async () => {
    const sid = newSessionId()
    await store.create(sid, { user: 'bob', n: 1 })
    expect(await store.get(sid)).not.toBeNull()
    expect(await store.destroyByUser('bob')).toBe(1)
    expect(await store.update(sid, { user: 'bob', n: 2 })).toBe(false)
    expect(await store.touch(sid, { ttl: DAY })).toBe(false)
    expect(await store.get(sid)).toBeNull()
    expect(await rowCount(sid)).toBe(0)
  })

  it('an update of an expired row writes nothing and leaves it expired', async () => {
    const sid = newSessionId()
    await store.create(sid, { n: 1 })
    await db.query(`update ${db.sessions} set expires_at = now() - interval '1 second' where id = $1`, [
      digest(sid),
    ])
    expect(await store.update(sid, { n: 2 })).toBe(false)
    const [row] = await db.query<{ live: boolean; n: number }>(
      `select expires_at > now() as live, (data->>'n')::int as n from ${db.sessions} where id = $1`,
      [digest(sid)],
    )
    expect(row).toEqual({ live: false, n: 1 })
  })

  it('create refuses an id a live session holds, and replaces a dead row as a new session', async () => {
    const sid = newSessionId()
    expect(await store.create(sid, { n: 1 })).toBe(true)
    expect(await store.create(sid, { n: 2 })).toBe(false)
    expect(await store.get(sid)).toEqual({ n: 1 })
    await db.query(
      `update ${db.sessions} set expires_at = now() - interval '1 second', created_at = now() - interval '9 days' where id = $1`,
      [digest(sid)],
    )
    expect(await store.create(sid, { n: 3 })).toBe(true)
    expect(await store.get(sid)).toEqual({ n: 3 })
    const [row] = await db.query<{ fresh: boolean }>(
      `select created_at > now() - interval '1 minute' as fresh from ${db.sessions} where id = $1`,
      [digest(sid)],
    )
    expect(row?.fresh).toBe(true)
  })

  it('update rewrites a live row in place, keeping created_at', async () => {
    const sid = newSessionId()
    await store.create(sid, { user: 'carol', n: 1 })
    const before = await db.query<{ created_at: string }>(
      `select created_at::text from ${db.sessions} where id = $1`,
      [digest(sid)],
    )
    expect(await store.update(sid, { user: 'carol', n: 2 })).toBe(true)
    expect(await store.get(sid)).toEqual({ user: 'carol', n: 2 })
    const after = await db.query<{ created_at: string }>(
      `select created_at::text from ${db.sessions} where id = $1`,
      [digest(sid)],
    )
    expect(after).toEqual(before)
  })

  it('a touch fills a missing user id from the data it is given', async () => {
    const sid = newSessionId()
    await store.create(sid, { user: 'dave' })
    await db.query(`update ${db.sessions} set user_id = null where id = $1`, [digest(sid)])
    expect(await store.listByUser('dave')).toHaveLength(0)
    expect(await store.touch(sid, { ttl: DAY, data: { user: 'dave' } })).toBe(true)
    expect((await store.listByUser('dave')).map((e) => e.digest)).toEqual([digest(sid)])
    // A user id already there is never replaced by a touch.
    expect(await store.touch(sid, { ttl: DAY, data: { user: 'mallory' } })).toBe(true)
    expect(await store.listByUser('mallory')).toHaveLength(0)
  })
})

describe('per-user calls need the userId option', () => {
  const db = useTestDatabase('pg')

  it('answers INVALID_OPTIONS instead of silently matching nothing', async () => {
    const store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    const calls = [
      () => store.listByUser('alice'),
      () => store.destroyByUser('alice'),
      () => store.destroyByDigest(digest('x'), { userId: 'alice' }),
    ]
    for (const call of calls) {
      const err = await call().catch((e: unknown) => e)
      expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
      expect((err as Error).message).toContain('userId option')
    }
    expect(await store.destroyByDigest(digest('x'))).toBe(false)
    await store.close()
  })
})

describe.each<DbKind>(['pg', 'pglite'])('absolute lifetime on %s', (kind) => {
  const db = useTestDatabase(kind)
  let store: PgStore<Data>

  beforeAll(async () => {
    store = new PgStore<Data>({
      db: db.db,
      table: db.table,
      createTable: true,
      prune: false,
      touchAfter: 0,
      lifetime: 10 * DAY,
    })
  })
  afterAll(async () => {
    await store.close()
  })

  const age = (sid: string, days: number) =>
    db.query(`update ${db.sessions} set created_at = now() - $2::int * interval '1 day' where id = $1`, [
      digest(sid),
      days,
    ])

  it('ends a session lifetime after its creation however often it is touched or saved', async () => {
    const sid = newSessionId()
    await store.create(sid, { n: 1 }, { ttl: 5 * DAY })
    await age(sid, 9)
    // Nine days in, the idle expiry (5 days from now) is cut to the day that remains.
    const record = await store.getRecord(sid)
    expect(record?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + DAY + 1_000)
    expect(record?.expiresAt.getTime()).toBeGreaterThan(Date.now() + DAY - 60_000)
    expect(await store.touch(sid, { ttl: 5 * DAY })).toBe(true)
    const [row] = await db.query<{ left_ms: number }>(
      `select extract(epoch from expires_at - now()) * 1000 as left_ms from ${db.sessions} where id = $1`,
      [digest(sid)],
    )
    expect(Number(row?.left_ms)).toBeLessThanOrEqual(DAY + 1_000)
    await age(sid, 11)
    expect(await store.get(sid)).toBeNull()
    expect(await store.touch(sid, { ttl: 5 * DAY })).toBe(false)
    expect(await store.update(sid, { n: 2 })).toBe(false)
  })

  it('a create or an upsert over a session past its lifetime starts a new one', async () => {
    const sid = newSessionId()
    await store.create(sid, { n: 1 })
    await age(sid, 11)
    expect(await store.get(sid)).toBeNull()
    await store.set(sid, { n: 2 }, { ttl: 5 * DAY })
    const record = await store.getRecord(sid)
    expect(record?.data).toEqual({ n: 2 })
    expect(record?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 4 * DAY)
  })

  it('caps any one expiry at 400 days and refuses options beyond it', async () => {
    const sid = newSessionId()
    const far = new PgStore<Data>({ db: db.db, table: db.table, prune: false, lifetime: 400 * DAY })
    await far.set(sid, { n: 1 }, { expiresAt: Date.now() + 3_650 * DAY })
    const record = await far.getRecord(sid)
    expect(record?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 400 * DAY + 1_000)
    await far.close()
    for (const options of [{ ttl: 401 * DAY }, { lifetime: 401 * DAY }, { lifetime: 0 }]) {
      let err: unknown
      try {
        new PgStore({ db: db.db, table: db.table, prune: false, ...options })
      } catch (e) {
        err = e
      }
      expect(isPgStoreError(err, 'INVALID_OPTIONS'), JSON.stringify(options)).toBe(true)
    }
  })
})

describe.each<DbKind>(['pg', 'pglite'])(
  'web request sessions: a revoked session stays revoked on %s',
  (kind) => {
    const db = useTestDatabase(kind, { createTable: true })
    let store: PgStore<Data>
    let sessions: RequestSessions<Data>

    beforeAll(() => {
      store = new PgStore<Data>({ db: db.db, table: db.table, prune: false, userId: (d) => d.user })
      sessions = createRequestSessions<Data>({ store, secrets: 'a-web-test-secret-of-32-characters!!' })
    })
    afterAll(async () => {
      await store.close()
    })

    /** Logs `user` in and returns the Cookie header a browser would send back. */
    async function login(user: string): Promise<string> {
      const jar = createHeaderCookieJar(null)
      const session = await sessions.load(jar)
      session.set('user', user)
      await session.regenerate()
      return jar.setCookieHeaders()[0]!.split(';')[0]!
    }

    it('a save after destroyByUser writes nothing, clears the cookie and reports the session revoked', async () => {
      const cookie = await login('erin')
      const jar = createHeaderCookieJar(cookie)
      const inFlight = await sessions.load(jar)
      expect(inFlight.get('user')).toBe('erin')
      await store.destroyByUser('erin')
      inFlight.set('n', 1)
      await inFlight.save()
      expect(inFlight.revoked).toBe(true)
      expect(inFlight.isNew).toBe(true)
      expect(inFlight.get('user')).toBeUndefined()
      expect(jar.setCookieHeaders().join('\n')).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i)
      const next = await sessions.load(createHeaderCookieJar(cookie))
      expect(next.isNew).toBe(true)
      expect(await store.listByUser('erin')).toEqual([])
    })

    it('a regenerate while an old-id save is in flight leaves only the new id', async () => {
      const cookie = await login('frank')
      const old = await sessions.load(createHeaderCookieJar(cookie))
      const other = await sessions.load(createHeaderCookieJar(cookie))
      await other.regenerate()
      old.set('n', 2)
      await old.save()
      expect(old.revoked).toBe(true)
      expect((await store.listByUser('frank')).map((e) => e.digest)).toEqual([digest(other.id)])
    })
  },
)

describe.each<DbKind>(['pg', 'pglite'])('stored data that targets prototypes on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })

  it('drops __proto__ keys when session JSON is parsed, at any depth', async () => {
    const store = new PgStore({ db: db.db, table: db.table, prune: false })
    const sid = newSessionId()
    await store.set(sid, { n: 1 })
    await db.query(
      `update ${db.sessions} set data = '{"n": 1, "__proto__": {"admin": true}, "deep": {"__proto__": {"x": 1}}}'::jsonb where id = $1`,
      [digest(sid)],
    )
    const data = (await store.get(sid)) as Record<string, unknown>
    expect(data).toEqual({ n: 1, deep: {} })
    expect(Object.hasOwn(data, '__proto__')).toBe(false)
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype)
    expect(Object.hasOwn(data.deep as object, '__proto__')).toBe(false)
    const [entry] = await store.all()
    expect(Object.hasOwn(entry!.data, '__proto__')).toBe(false)
    await store.close()
  })
})
