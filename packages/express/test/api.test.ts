/**
 * The store methods express-session may call, each through a callback and as a promise, on PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import { PgStore } from '@pgstore/core'
import { createTestDatabase, digest, type TestDatabase } from '@pgstore/testing'
import type { SessionData } from 'express-session'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PgSessionStore } from '../src'

const newSid = () => randomBytes(32).toString('base64url')
const sess = (views: number, maxAge = 600_000) =>
  ({
    views,
    cookie: { originalMaxAge: maxAge, expires: new Date(Date.now() + maxAge) },
  }) as unknown as SessionData

/** Calls a callback-style method and resolves with what the callback got. */
function viaCallback<T>(
  call: (cb: (err: unknown, value?: T) => void) => void,
): Promise<{ err: unknown; value?: T }> {
  return new Promise((resolve) => call((err, value) => resolve({ err, value })))
}

let db: TestDatabase
let store: PgSessionStore

beforeAll(async () => {
  db = await createTestDatabase('pg')
  store = new PgSessionStore({ db: db.db, table: db.table, createTable: true, prune: false, touchAfter: 0 })
})
beforeEach(async () => {
  await store.clear()
})
afterAll(async () => {
  await store?.close()
  await db?.close()
})

describe('PgSessionStore methods', () => {
  it('set, get, touch and destroy work with callbacks', async () => {
    const sid = newSid()
    expect(await viaCallback<void>((cb) => store.set(sid, sess(1), cb))).toEqual({
      err: null,
      value: undefined,
    })
    const got = await viaCallback<SessionData | null>((cb) => store.get(sid, cb))
    expect(got.err).toBeNull()
    expect(got.value).toMatchObject({ views: 1 })
    expect((await viaCallback<void>((cb) => store.touch(sid, sess(1, 900_000), cb))).err).toBeNull()
    const [row] = await db.query<{ expires_at: Date }>(
      `select expires_at from ${db.sessions} where id = $1`,
      [digest(sid)],
    )
    expect(row!.expires_at.getTime()).toBeGreaterThan(Date.now() + 800_000)
    expect((await viaCallback<void>((cb) => store.destroy(sid, cb))).err).toBeNull()
    expect((await viaCallback<SessionData | null>((cb) => store.get(sid, cb))).value).toBeNull()
  })

  it('all, length, ids and clear work with callbacks and as promises, keyed by digest', async () => {
    const sids = [newSid(), newSid(), newSid()]
    for (const [i, sid] of sids.entries()) await store.set(sid, sess(i))
    const expected = sids.map(digest).sort()

    expect(await store.length()).toBe(3)
    expect((await viaCallback<number>((cb) => store.length(cb))).value).toBe(3)
    expect((await store.ids()).sort()).toEqual(expected)
    expect((await viaCallback<string[]>((cb) => store.ids(cb))).value!.sort()).toEqual(expected)

    const all = await store.all()
    expect(Object.keys(all).sort()).toEqual(expected)
    expect(all[digest(sids[2]!)]).toMatchObject({ views: 2 })
    const allCb = await viaCallback<Record<string, SessionData>>((cb) => store.all(cb))
    expect(Object.keys(allCb.value!).sort()).toEqual(expected)
    for (const sid of sids) expect(JSON.stringify(all)).not.toContain(sid)

    expect((await viaCallback<void>((cb) => store.clear(cb))).err).toBeNull()
    expect(await store.length()).toBe(0)
  })

  it('returns the row expiry as cookie.expires, and keeps a browser-session cookie without one', async () => {
    const sid = newSid()
    await store.set(sid, sess(1))
    // Within the store's absolute lifetime (30 days), so the row's own expiry is what counts.
    const at = new Date(Math.floor(Date.now() / 1000) * 1000 + 10 * 86_400_000 + 678).toISOString()
    await db.query(`update ${db.sessions} set expires_at = $2 where id = $1`, [digest(sid), at])
    expect((await store.get(sid))!.cookie.expires).toBe(at)

    const browser = newSid()
    await store.set(browser, {
      views: 1,
      cookie: { originalMaxAge: null, expires: null },
    } as unknown as SessionData)
    expect((await store.get(browser))!.cookie.expires).toBeNull()
  })

  it('gives no session for a row that express-session did not write (no cookie)', async () => {
    const sid = newSid()
    const core = new PgStore({ db: db.db, table: db.table, prune: false })
    await core.set(sid, { views: 1 })
    await core.close()
    expect(await store.get(sid)).toBeNull()
  })

  it('passes errors to the callback and rejects the promise, without the id in the message', async () => {
    const sid = newSid()
    const tooBig = { cookie: { expires: null }, blob: 'x'.repeat(70_000) } as unknown as SessionData
    const { err } = await viaCallback<void>((cb) => store.set(sid, tooBig, cb))
    expect(err).toMatchObject({ code: 'SESSION_TOO_LARGE' })
    await expect(store.set(sid, tooBig)).rejects.toMatchObject({ code: 'SESSION_TOO_LARGE' })
    expect(String((err as Error).message)).not.toContain(sid)
  })

  it('a callback that throws does not turn into a store error or a second callback', async () => {
    const sid = newSid()
    await store.set(sid, sess(1))
    let calls = 0
    const thrown = await new Promise<unknown>((resolve) => {
      process.once('uncaughtException', resolve)
      store.get(sid, () => {
        calls++
        throw new Error('from the callback')
      })
    })
    expect((thrown as Error).message).toBe('from the callback')
    expect(calls).toBe(1)
  })

  it('a promise nobody awaits does not become an unhandled rejection; an awaited one still rejects', async () => {
    const closed = new PgSessionStore({ db: db.db, table: db.table, prune: false })
    await closed.close()
    const unhandled: unknown[] = []
    const record = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', record)
    try {
      // biome-ignore lint/nursery/noFloatingPromises: the case is a promise nobody awaits
      closed.destroy(newSid())
      // biome-ignore lint/nursery/noFloatingPromises: the case is a promise nobody awaits
      closed.set(newSid(), sess(1))
      await new Promise((resolve) => setImmediate(resolve))
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
      await expect(closed.destroy(newSid())).rejects.toMatchObject({ code: 'CLOSED' })
    } finally {
      process.off('unhandledRejection', record)
    }
  })

  it('refuses a reconnectInterval that is not a positive number', () => {
    for (const reconnectInterval of [0, -1, Number.NaN]) {
      expect(() => new PgSessionStore({ db: db.db, reconnectInterval })).toThrow(/reconnectInterval/)
    }
  })

  it('wraps an existing PgStore given as { store } and leaves it open on close', async () => {
    const core = new PgStore({ db: db.db, table: db.table, prune: false })
    const wrapped = new PgSessionStore({ store: core })
    const sid = newSid()
    await wrapped.set(sid, sess(7))
    await wrapped.close()
    expect(await core.get(sid)).toMatchObject({ views: 7 })
    await core.close()
  })
})
