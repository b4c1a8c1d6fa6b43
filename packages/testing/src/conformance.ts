/**
 * The store-conformance suite, written once. Core runs it on each driver; every adapter runs it through its
 * own framework contract by mapping that contract onto {@link ConformanceTarget}. Probes read the table
 * directly, so the suite proves what is at rest, not only what the API returns.
 */
import { randomBytes } from 'node:crypto'
import { isPgStoreError, type PgStore, type PgStoreErrorCode, type PgStoreOptions } from '@pgstore/core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { createTestDatabase, type DbKind, type TestDatabase } from './database'
import { digest } from './digest'
import { namedCases } from './opt-out'

/** The store contract in one async shape; each adapter maps its own API onto it. */
export interface ConformanceTarget {
  set(sid: string, data: Record<string, unknown>, ttlMs?: number): Promise<void>
  get(sid: string): Promise<Record<string, unknown> | null | undefined>
  /** Extends the session's life to `ttlMs` from now without rewriting its data. */
  touch(sid: string, data: Record<string, unknown>, ttlMs: number): Promise<void>
  destroy(sid: string): Promise<void>
  close(): Promise<void>
  /** The store's coalescing statistics, when the target reaches a PgStore (see `PgStore.batchStats`). */
  batchStats?(): { calls: number; statements: number; largest: number }
}

/** The target for a bare PgStore, for suites that reach the store without a framework in between. */
export function pgStoreTarget(store: PgStore<any>, onClose?: () => Promise<void>): ConformanceTarget {
  return {
    set: (sid, data, ttl) => store.set(sid, data, { ttl }),
    get: (sid) => store.get(sid),
    touch: async (sid, _data, ttl) => {
      await store.touch(sid, { ttl })
    },
    destroy: (sid) => store.destroy(sid),
    close: async () => {
      await store.close()
      await onClose?.()
    },
    batchStats: () => store.batchStats,
  }
}

/**
 * Builds the target over `options`, which always name the test table and set `touchAfter: 0`,
 * `maxBytes: 4096`, `prune: false`.
 */
export type ConformanceFactory = (db: TestDatabase, options: PgStoreOptions) => Promise<ConformanceTarget>

const newSid = () => randomBytes(32).toString('base64url')

async function expectCode(promise: Promise<unknown>, code: PgStoreErrorCode): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err, `expected a ${code} error`).toBeDefined()
  expect(isPgStoreError(err, code), `expected ${code}, got ${String((err as Error)?.message)}`).toBe(true)
}

/** The cases of the store contract, by name, for opt-outs. */
export const STORE_CASES = [
  'round-trip',
  'unknown-id',
  'digest-at-rest',
  'overwrite',
  'destroy',
  'expiry-on-read',
  'stored-expiry',
  'touch-keeps-data',
  'touch-no-revival',
  'too-large',
  'not-serializable',
  'concurrency',
] as const

export type StoreCase = (typeof STORE_CASES)[number]

export interface ConformanceOptions {
  /**
   * Cases this target cannot run, each with the reason (shown in the run as its own passing test, so an
   * opt-out is never silent).
   */
  optOut?: Partial<Record<StoreCase, string>>
  /** The PostgreSQL server to make the test schema on, when it is not DATABASE_URL's (kind 'pg'). */
  server?: string
}

export function describeStoreConformance(
  label: string,
  kind: DbKind,
  factory: ConformanceFactory,
  options: ConformanceOptions = {},
): void {
  const optOut = options.optOut ?? {}
  describe(`store conformance: ${label} on ${kind}`, () => {
    const test = namedCases(STORE_CASES, optOut)

    let db: TestDatabase
    let store: ConformanceTarget
    const row = async (sid: string) =>
      (
        await db.query<{ data: Record<string, unknown>; expires_at: Date; user_id: string | null }>(
          `select data, expires_at, user_id from ${db.sessions} where id = $1`,
          [digest(sid)],
        )
      )[0]

    beforeAll(async () => {
      db = await createTestDatabase(kind, { server: options.server })
      store = await factory(db, {
        db: db.db,
        table: db.table,
        createTable: true,
        touchAfter: 0,
        maxBytes: 4096,
        prune: false,
      })
    })
    afterAll(async () => {
      await store?.close()
      await db?.close()
    })

    test('round-trip', 'returns what was set, with unicode, nesting and dates as ISO strings', async () => {
      const sid = newSid()
      const when = new Date('2026-01-02T03:04:05.678Z')
      await store.set(sid, {
        name: 'Zoë 🙂 日本',
        n: 1.5,
        ok: true,
        nested: { list: [1, 'two', null] },
        when,
      })
      expect(await store.get(sid)).toMatchObject({
        name: 'Zoë 🙂 日本',
        n: 1.5,
        ok: true,
        nested: { list: [1, 'two', null] },
        when: when.toISOString(),
      })
    })

    test('unknown-id', 'returns nothing for an unknown id', async () => {
      expect(await store.get(newSid())).toBeFalsy()
    })

    test('digest-at-rest', 'keeps only the SHA-256 digest of the id at rest', async () => {
      const sid = newSid()
      await store.set(sid, { marker: 'at-rest' })
      const byRaw = await db.query(`select 1 from ${db.sessions} where id = $1`, [sid])
      expect(byRaw).toHaveLength(0)
      expect(await row(sid)).toBeDefined()
      const anywhere = await db.query(`select 1 from ${db.sessions} where id like $1 or data::text like $1`, [
        `%${sid}%`,
      ])
      expect(anywhere).toHaveLength(0)
    })

    test('overwrite', 'overwrites on a second set, in one row', async () => {
      const sid = newSid()
      await store.set(sid, { v: 1 })
      await store.set(sid, { v: 2 })
      expect(await store.get(sid)).toMatchObject({ v: 2 })
      const rows = await db.query(`select 1 from ${db.sessions} where id = $1`, [digest(sid)])
      expect(rows).toHaveLength(1)
    })

    test('destroy', 'destroys a session', async () => {
      const sid = newSid()
      await store.set(sid, { v: 1 })
      await store.destroy(sid)
      expect(await store.get(sid)).toBeFalsy()
      expect(await row(sid)).toBeUndefined()
      await expect(store.destroy(newSid())).resolves.toBeUndefined()
    })

    test('expiry-on-read', 'enforces expiry on read, in SQL, before any prune', async () => {
      const sid = newSid()
      await store.set(sid, { v: 1 })
      await db.query(`update ${db.sessions} set expires_at = now() - interval '1 second' where id = $1`, [
        digest(sid),
      ])
      expect(await store.get(sid)).toBeFalsy()
      expect(await row(sid), 'the expired row is still there: get filtered it').toBeDefined()
    })

    test('stored-expiry', 'stores the expiry it was given', async () => {
      const sid = newSid()
      const before = Date.now()
      await store.set(sid, { v: 1 }, 120_000)
      const expires = (await row(sid))!.expires_at.getTime()
      expect(expires).toBeGreaterThanOrEqual(before + 119_000)
      expect(expires).toBeLessThanOrEqual(Date.now() + 121_000)
    })

    test(
      'touch-keeps-data',
      'touch moves the expiry and never overwrites data written meanwhile',
      async () => {
        const sid = newSid()
        await store.set(sid, { v: 'old' }, 60_000)
        await db.query(`update ${db.sessions} set data = '{"v":"concurrent"}' where id = $1`, [digest(sid)])
        await store.touch(sid, { v: 'old' }, 3_600_000)
        const after = await row(sid)
        expect(after!.data).toMatchObject({ v: 'concurrent' })
        expect(after!.expires_at.getTime()).toBeGreaterThan(Date.now() + 3_000_000)
      },
    )

    test('touch-no-revival', 'touch does not bring an expired session back', async () => {
      const sid = newSid()
      await store.set(sid, { v: 1 })
      await db.query(`update ${db.sessions} set expires_at = now() - interval '1 second' where id = $1`, [
        digest(sid),
      ])
      await store.touch(sid, { v: 1 }, 3_600_000)
      expect(await store.get(sid)).toBeFalsy()
    })

    test(
      'too-large',
      'refuses oversize data with SESSION_TOO_LARGE and leaves the row as it was',
      async () => {
        const sid = newSid()
        await store.set(sid, { v: 'kept' })
        await expectCode(store.set(sid, { v: 'x'.repeat(5000) }), 'SESSION_TOO_LARGE')
        expect((await row(sid))!.data).toMatchObject({ v: 'kept' })
      },
    )

    test(
      'not-serializable',
      'refuses values JSON cannot hold with NOT_SERIALIZABLE and leaves the row as it was',
      async () => {
        const sid = newSid()
        await store.set(sid, { v: 'kept' })
        const circular: Record<string, unknown> = {}
        circular.self = circular
        let deep: Record<string, unknown> = {}
        const root = deep
        for (let i = 0; i < 10_000; i++) deep = deep.next = {}
        for (const bad of [{ n: 10n }, circular, { f: () => 1 }, { s: Symbol('x') }, root]) {
          await expectCode(store.set(sid, bad), 'NOT_SERIALIZABLE')
        }
        expect((await row(sid))!.data).toMatchObject({ v: 'kept' })
      },
    )

    test('concurrency', 'keeps concurrent sessions apart, coalesced into shared statements', async () => {
      const before = store.batchStats?.()
      const sids = Array.from({ length: 100 }, newSid)
      await Promise.all(sids.map((sid, i) => store.set(sid, { i })))
      const got = await Promise.all(sids.map((sid) => store.get(sid)))
      expect(got.map((g) => g?.i)).toEqual(sids.map((_, i) => i))
      await Promise.all(sids.map((sid, i) => store.touch(sid, { i }, 3_600_000)))
      await Promise.all(sids.slice(50).map((sid) => store.destroy(sid)))
      const after = await Promise.all(sids.map((sid) => store.get(sid)))
      expect(after.map((g) => g?.i ?? null)).toEqual(sids.map((_, i) => (i < 50 ? i : null)))
      const moved = await db.query(
        `select 1 from ${db.sessions} where id = any($1) and expires_at > now() + interval '50 minutes'`,
        [sids.slice(0, 50).map(digest)],
      )
      expect(moved).toHaveLength(50)
      // 100 calls made at once while a statement is in flight: the rest share statements.
      const stats = store.batchStats?.()
      if (before && stats) {
        expect(stats.largest).toBeGreaterThan(1)
        expect(stats.statements - before.statements).toBeLessThan(stats.calls - before.calls)
      }
    })
  })
}
