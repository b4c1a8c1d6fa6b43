/**
 * Session data, property-based: what JSON and jsonb cannot carry is refused with a typed error before
 * any write (10,000+ cases on the serialiser, a few hundred through the store on PostgreSQL), what they
 * can carry round-trips, and oversize data leaves the row as it was.
 */
import { isPgStoreError, newSessionId, PgStore, type PgStoreErrorCode, serializeSession } from '@pgstore/core'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { poisoned, sessionData, storableData } from '../src/arbitraries'
import { record } from '../src/figures'

const PURE_RUNS = 10_000
const DB_RUNS = 300
const MAX_BYTES = 65_536
let db: TestDatabase
let store: PgStore
const cases: Record<string, number> = {}

beforeAll(async () => {
  db = await createTestDatabase('pg')
  store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false, maxBytes: MAX_BYTES })
  await store.set(newSessionId(), { warm: true })
})

afterAll(async () => {
  record('fuzz-session-data', cases)
  await store?.close()
  await db?.close()
})

function codeOf(work: () => unknown): PgStoreErrorCode | 'none' | 'untyped' {
  try {
    work()
    return 'none'
  } catch (err) {
    return isPgStoreError(err) ? err.code : 'untyped'
  }
}

const roundTrip = (data: unknown) => JSON.parse(JSON.stringify(data))

it('serialiser: values JSON cannot carry always give NOT_SERIALIZABLE, never another error', () => {
  fc.assert(
    fc.property(poisoned, (data) => {
      expect(codeOf(() => serializeSession(data, MAX_BYTES))).toBe('NOT_SERIALIZABLE')
    }),
    { numRuns: PURE_RUNS },
  )
  cases.poisonedSerializer = PURE_RUNS
})

it('serialiser: any other JSON object is either accepted as exact JSON or refused with a typed error', () => {
  fc.assert(
    fc.property(sessionData(), (data) => {
      let json: string
      try {
        json = serializeSession(data, MAX_BYTES)
      } catch (err) {
        expect(isPgStoreError(err, 'NOT_SERIALIZABLE')).toBe(true)
        return
      }
      expect(JSON.parse(json)).toEqual(roundTrip(data))
      // What is accepted must be storable as jsonb: no NUL, no unpaired surrogate.
      expect(json).not.toMatch(/(^|[^\\])(\\\\)*\\u(0000|d[89a-f])/i)
    }),
    { numRuns: PURE_RUNS },
  )
  cases.hostileSerializer = PURE_RUNS
})

it('store: hostile data is stored and read back exactly, or refused with a typed error and not written', async () => {
  await fc.assert(
    fc.asyncProperty(sessionData(), async (data) => {
      const sid = newSessionId()
      const err = await store.set(sid, data).then(
        () => undefined,
        (e: unknown) => e,
      )
      if (err === undefined) {
        expect(await store.get(sid)).toEqual(roundTrip(data))
      } else {
        expect(isPgStoreError(err, 'NOT_SERIALIZABLE')).toBe(true)
        expect(await store.get(sid)).toBeNull()
      }
    }),
    { numRuns: DB_RUNS },
  )
  cases.hostileStore = DB_RUNS
})

it('store: unicode and dates round-trip as documented (dates as ISO strings)', async () => {
  await fc.assert(
    fc.asyncProperty(
      storableData(),
      fc.date({ noInvalidDate: true, min: new Date(-8.64e15 + 1), max: new Date(8.64e15 - 1) }),
      async (data, when) => {
        const sid = newSessionId()
        await store.set(sid, { ...data, when })
        expect(await store.get(sid)).toEqual({ ...roundTrip(data), when: when.toISOString() })
      },
    ),
    { numRuns: DB_RUNS },
  )
  cases.unicodeAndDatesStore = DB_RUNS
})

it('store: poisoned data and 10,000-level nesting give NOT_SERIALIZABLE and leave the row unchanged', async () => {
  const sid = newSessionId()
  await store.set(sid, { keep: 'me' })
  await fc.assert(
    fc.asyncProperty(poisoned, async (data) => {
      const err = await store.set(sid, data).catch((e: unknown) => e)
      expect(isPgStoreError(err, 'NOT_SERIALIZABLE')).toBe(true)
    }),
    { numRuns: DB_RUNS },
  )
  let nested: Record<string, unknown> = {}
  for (let i = 0; i < 10_000; i++) nested = { n: nested }
  const err = await store.set(sid, nested).catch((e: unknown) => e)
  expect(isPgStoreError(err, 'NOT_SERIALIZABLE')).toBe(true)
  expect(await store.get(sid)).toEqual({ keep: 'me' })
  cases.poisonedStore = DB_RUNS + 1
})

it('store: oversize data is refused before any write, and the row is unchanged', async () => {
  const sid = newSessionId()
  await store.set(sid, { keep: 'me' })
  const [before] = await db.query<{ updated_at: Date }>(
    `select updated_at from ${db.sessions} order by updated_at desc limit 1`,
  )
  // A store whose database cannot be reached at all: SESSION_TOO_LARGE (not DB_UNAVAILABLE) proves the
  // size is checked before anything is sent.
  const offline = new PgStore({
    connectionString: 'postgres://postgres@127.0.0.1:1/none',
    prune: false,
    maxBytes: MAX_BYTES,
    connectTimeout: 200,
  })
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: MAX_BYTES + 1, max: 4 * MAX_BYTES }),
        fc.constantFrom('a', 'é', '日', '🙂'),
        async (size, ch) => {
          const data = { blob: ch.repeat(Math.ceil(size / Buffer.byteLength(ch))) }
          const online = await store.set(sid, data).catch((e: unknown) => e)
          expect(isPgStoreError(online, 'SESSION_TOO_LARGE')).toBe(true)
          const err = await offline.set(newSessionId(), data).catch((e: unknown) => e)
          expect(isPgStoreError(err, 'SESSION_TOO_LARGE')).toBe(true)
        },
      ),
      { numRuns: 200 },
    )
  } finally {
    await offline.close()
  }
  expect(await store.get(sid)).toEqual({ keep: 'me' })
  const [after] = await db.query<{ updated_at: Date }>(
    `select updated_at from ${db.sessions} order by updated_at desc limit 1`,
  )
  expect(after!.updated_at).toEqual(before!.updated_at)
  cases.oversize = 200
})
