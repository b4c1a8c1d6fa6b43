/**
 * `maxSessionsPerUser`: a write that gives a user one session too many deletes that user's oldest, and the
 * deletion reaches every cache; off by default; never run by update or touch.
 */
import { digestSessionId, isPgStoreError, newSessionId, PgStore, type PgStoreOptions } from '@pgstore/core'
import { type DbKind, useTestDatabase } from '@pgstore/testing'
import { afterEach, describe, expect, it } from 'vitest'

interface Data {
  user?: string
  n?: number
}

/** Polls `check` until it returns true, for at most `ms`; returns whether it did. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, 20))
  }
  return check()
}

describe.each<DbKind>(['pg', 'pglite'])('maxSessionsPerUser on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  const stores: PgStore<Data>[] = []
  const make = (options: Partial<PgStoreOptions<Data>> = {}) => {
    const store = new PgStore<Data>({
      db: db.db,
      table: db.table,
      prune: false,
      touchAfter: 0,
      userId: (d) => d.user,
      ...options,
    })
    store.on('backgroundError', (err) => {
      throw err
    })
    stores.push(store)
    return store
  }
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()))
  })
  const live = async (user: string) =>
    (
      await db.query<{ id: string }>(
        `select id from ${db.sessions} where user_id = $1 and expires_at > now() order by created_at`,
        [user],
      )
    ).map((r) => r.id)

  it('is off by default: a user keeps every session', async () => {
    const store = make()
    for (let i = 0; i < 5; i++) await store.create(newSessionId(), { user: 'many' })
    expect(await store.listByUser('many')).toHaveLength(5)
  })

  it('deletes the oldest beyond the cap on create and set, and leaves other users and anonymous sessions', async () => {
    const store = make({ maxSessionsPerUser: 2 })
    const [first, second, third] = [newSessionId(), newSessionId(), newSessionId()]
    const stranger = newSessionId()
    const anonymous = newSessionId()
    await store.create(stranger, { user: 'other' })
    await store.create(anonymous, { n: 1 })
    await store.create(first, { user: 'capped' })
    await store.create(second, { user: 'capped' })
    expect(await live('capped')).toHaveLength(2)
    await store.create(third, { user: 'capped' })
    expect(await live('capped')).toEqual([second, third].map(digestSessionId))
    expect(await store.get(first)).toBeNull()

    const fourth = newSessionId()
    await store.set(fourth, { user: 'capped' })
    expect(await live('capped')).toEqual([third, fourth].map(digestSessionId))
    expect((await store.listByUser('capped', { current: fourth })).map((e) => e.current)).toEqual([
      true,
      false,
    ])
    expect(await store.get(stranger)).toEqual({ user: 'other' })
    expect(await store.get(anonymous)).toEqual({ n: 1 })
  })

  it('does not trim on update or touch, which do not know the user the row had; the next create does', async () => {
    const store = make({ maxSessionsPerUser: 1 })
    const kept = newSessionId()
    await store.create(kept, { user: 'late' })
    const anonymous = newSessionId()
    await store.create(anonymous, { n: 1 })
    expect(await store.update(anonymous, { user: 'late', n: 2 })).toBe(true)
    const touched = newSessionId()
    await store.create(touched, { n: 1 })
    expect(await store.touch(touched, { data: { user: 'late' } })).toBe(true)
    expect(await live('late')).toHaveLength(3)

    const login = newSessionId()
    await store.create(login, { user: 'late' })
    expect(await live('late')).toEqual([digestSessionId(login)])
  })

  it('a cached instance, the trimming one or another, stops serving a session the cap removed', async () => {
    const trimming = make({ maxSessionsPerUser: 1, cache: {} })
    const other = make({ cache: {} })
    const old = newSessionId()
    await trimming.create(old, { user: 'cached' })
    expect(await trimming.get(old)).toEqual({ user: 'cached' })
    expect(await other.get(old)).toEqual({ user: 'cached' })
    expect(await other.get(old), 'served from the cache').toEqual({ user: 'cached' })

    await trimming.create(newSessionId(), { user: 'cached' })
    expect(await trimming.get(old)).toBeNull()
    expect(await eventually(async () => (await other.get(old)) === null)).toBe(true)
  })

  it('keeps exactly the newest when logins race', async () => {
    const store = make({ maxSessionsPerUser: 2 })
    for (let i = 0; i < 3; i++) await store.create(newSessionId(), { user: 'racer' })
    const sids = Array.from({ length: 6 }, () => newSessionId())
    await Promise.all(sids.map((sid) => store.create(sid, { user: 'racer' })))
    const newest = await db.query<{ id: string }>(
      `select id from ${db.sessions} where user_id = 'racer' order by created_at desc, id desc`,
    )
    expect(newest).toHaveLength(2)
    expect(newest.every((r) => sids.map(digestSessionId).includes(r.id))).toBe(true)
  })

  it('refuses a cap that is not a positive integer, or one without userId', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '2']) {
      expect(() => make({ maxSessionsPerUser: bad as number })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      )
    }
    let error: unknown
    try {
      new PgStore({ db: db.db, table: db.table, maxSessionsPerUser: 3 })
    } catch (err) {
      error = err
    }
    expect(isPgStoreError(error, 'INVALID_OPTIONS')).toBe(true)
    expect((error as Error).message).toMatch(/needs the userId option/)
  })
})
