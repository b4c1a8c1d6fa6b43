/**
 * Security properties, each with a test that can fail: the raw session id is never at rest, in logs or in
 * errors; ids carry 256 bits and do not repeat over 1,000,000 draws; secret rotation and encryption-key
 * rotation work as documented.
 */
import { inspect } from 'node:util'
import {
  digestSessionId,
  isPgStoreError,
  newSessionId,
  PgStore,
  signCookieValue,
  unsignCookieValue,
} from '@pgstore/core'
import { createTestDatabase, DATABASE_URL, freshName, type TestDatabase } from '@pgstore/testing'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { captureOutput, errorText } from '../src/capture'
import { record } from '../src/figures'
import { pollUntil, tagged, terminateBackends } from '../src/pg'

let db: TestDatabase
const stores: PgStore[] = []
const figures: Record<string, unknown> = {}
const K1 = 'first-encryption-key-0123456789abcdef'
const K2 = 'second-encryption-key-0123456789abcdef'

beforeAll(async () => {
  db = await createTestDatabase('pg')
  const setup = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
  await setup.set(newSessionId(), { warm: true })
  await setup.close()
})

afterAll(async () => {
  record('security', figures)
  for (const s of stores) await s.close().catch(() => undefined)
  await db?.close()
})

function storeOf(options: Partial<ConstructorParameters<typeof PgStore>[0]> = {}): PgStore {
  const store = new PgStore({ db: db.db, table: db.table, prune: false, touchAfter: 0, ...options } as never)
  stores.push(store)
  return store
}

const dump = async () =>
  (await db.query<{ row: string }>(`select t::text as row from ${db.sessions} t`))
    .map((r) => r.row)
    .join('\n')

it('never stores the raw id: the table holds SHA-256 digests only, with and without encryption', async () => {
  const plain = storeOf({ userId: (d: { user?: string }) => d.user })
  const sealed = storeOf({ encryption: { keys: [K1] } })
  const sids = Array.from({ length: 200 }, () => newSessionId())
  await Promise.all(
    sids.map((sid, i) => (i % 2 ? plain : sealed).set(sid, { user: `u${i % 5}`, note: 'hello' })),
  )
  await Promise.all(sids.map((sid) => plain.touch(sid)))
  const text = await dump()
  for (const sid of sids) {
    expect(text).not.toContain(sid)
    expect(text).toContain(digestSessionId(sid))
  }
  figures.idsCheckedAtRest = sids.length
})

it('never puts the raw id, or the session data, in an error or a log line', async () => {
  const sid = newSessionId()
  const marker = `secret-data-${newSessionId()}`
  const logs = captureOutput()
  const errors: unknown[] = []
  const keep = async (work: Promise<unknown>) => {
    await work.then(
      () => errors.push(new Error('expected a failure')),
      (e: unknown) => errors.push(e),
    )
  }
  try {
    const store = storeOf({ maxBytes: 1_024 })
    await store.set(sid, { marker })
    // SESSION_TOO_LARGE, NOT_SERIALIZABLE, INVALID_SESSION_ID
    await keep(store.set(sid, { marker, blob: 'x'.repeat(2_000) }))
    await keep(store.set(sid, { marker, n: 10n } as never))
    await keep(store.set(`${sid}${'x'.repeat(600)}`, { marker }))
    // DECRYPTION_FAILED: the row is encrypted under a key this store does not have.
    const sealed = storeOf({ encryption: { keys: [K1] } })
    await sealed.set(sid, { marker })
    await keep(storeOf({ encryption: { keys: [K2] } }).get(sid))
    await keep(storeOf().get(sid))
    // TABLE_MISSING
    const { pgSessionTable } = await import('@pgstore/core')
    await keep(storeOf({ table: pgSessionTable('missing', { schema: db.schema }) }).set(sid, { marker }))
    // DB_UNAVAILABLE, with its background warning when nobody listens for backgroundError.
    const down = new PgStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      prune: false,
      connectTimeout: 300,
    })
    await keep(down.set(sid, { marker }))
    await keep(down.get(sid))
    await down.close()
    const app = freshName('res_sec')
    const live = new PgStore({ connectionString: tagged(app), table: db.table, prune: false })
    stores.push(live)
    await live.set(sid, { marker })
    await terminateBackends(app)
    await pollUntil(async () => logs.text().includes('idle connection'), 100)
    // TIMEOUT, with a row lock held elsewhere.
    const holder = new pg.Client({ connectionString: DATABASE_URL })
    await holder.connect()
    await holder.query('begin')
    await holder.query(`select 1 from ${db.sessions} where id = $1 for update`, [digestSessionId(sid)])
    await keep(storeOf({ queryTimeout: 200 }).set(sid, { marker }))
    await holder.query('rollback')
    await holder.end()
    // CLOSED
    const closed = storeOf()
    await closed.close()
    await keep(closed.get(sid))
  } finally {
    logs.restore()
  }
  const codes = errors.map((e) => (isPgStoreError(e) ? e.code : inspect(e)))
  expect(codes).toEqual([
    'SESSION_TOO_LARGE',
    'NOT_SERIALIZABLE',
    'INVALID_SESSION_ID',
    'DECRYPTION_FAILED',
    'DECRYPTION_FAILED',
    'TABLE_MISSING',
    'DB_UNAVAILABLE',
    'DB_UNAVAILABLE',
    'TIMEOUT',
    'CLOSED',
  ])
  const everything = `${errors.map(errorText).join('\n')}\n${logs.text()}`
  expect(logs.text()).toContain('idle connection')
  expect(everything).not.toContain(sid)
  expect(everything).not.toContain(marker)
  figures.errorsSearched = errors.length
})

it('draws ids of 256 bits that differ across 1,000,000 draws', () => {
  const seen = new Set<string>()
  const DRAWS = 1_000_000
  for (let i = 0; i < DRAWS; i++) seen.add(newSessionId())
  expect(seen.size).toBe(DRAWS)
  for (const id of [...seen].slice(0, 1_000)) expect(Buffer.from(id, 'base64url').length * 8).toBe(256)
  figures.idDraws = DRAWS
})

it('secret rotation: old cookies stay valid until their secret is removed', () => {
  const OLD = 'old-secret-0123456789abcdef-0123456789'
  const NEW = 'new-secret-0123456789abcdef-0123456789'
  const sid = newSessionId()
  const before = signCookieValue('pgsid', sid, [OLD])
  expect(unsignCookieValue('pgsid', before, [NEW, OLD])).toBe(sid)
  const after = signCookieValue('pgsid', sid, [NEW, OLD])
  expect(after).not.toBe(before)
  expect(unsignCookieValue('pgsid', after, [NEW])).toBe(sid)
  expect(unsignCookieValue('pgsid', before, [NEW])).toBeNull()
  expect(unsignCookieValue('pgsid', after, [OLD])).toBeNull()
})

it('encryption-key rotation: old rows read, new writes use the first key', async () => {
  const sid = newSessionId()
  const stored = async () =>
    (
      await db.query<{ data: unknown }>(`select data from ${db.sessions} where id = $1`, [
        digestSessionId(sid),
      ])
    )[0]!.data as string
  await storeOf({ encryption: { keys: [K1] } }).set(sid, { v: 1 })
  const underK1 = await stored()
  expect(typeof underK1).toBe('string')
  const rotated = storeOf({ encryption: { keys: [K2, K1] } })
  expect(await rotated.get(sid)).toEqual({ v: 1 })
  await rotated.set(sid, { v: 2 })
  const underK2 = await stored()
  expect(underK2.split('.')[1]).not.toBe(underK1.split('.')[1])
  // Once K1 is retired, the rewritten row still reads; a K1-only row would not.
  expect(await storeOf({ encryption: { keys: [K2] } }).get(sid)).toEqual({ v: 2 })
  const err = await storeOf({ encryption: { keys: [K1] } })
    .get(sid)
    .catch((e: unknown) => e)
  expect(isPgStoreError(err, 'DECRYPTION_FAILED')).toBe(true)
})
