/**
 * Hostile `connect.sid` values: random, tampered, oversized, badly encoded, and validly signed ids the store
 * never issued. None may give a 5xx; each gets a fresh session; no row is written for any of them.
 */
import { randomBytes } from 'node:crypto'
import { createTestDatabase, probeTable, type TestDatabase } from '@pgstore/testing'
import fc from 'fast-check'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgSessionStore } from '../src'
import { createApp, sessionCookie, signedCookie as signed } from './app'

let db: TestDatabase
let store: PgSessionStore
let app: ReturnType<typeof createApp>
let valid: { cookie: string; id: string }

const rowCount = () => probeTable(db, db.table).count()

/** Sends the cookie to a route that reads the session without changing it. */
async function expectFreshSession(cookie: string): Promise<void> {
  const res = await request(app).get('/whoami').set('Cookie', cookie)
  expect(res.status, `status for ${cookie.slice(0, 60)}`).toBeLessThan(500)
  expect(res.body.views).toBe(0)
  expect(res.body.user).toBeNull()
  expect(res.body.id).not.toBe(valid.id)
  expect(sessionCookie(res)).toBeUndefined()
}

beforeAll(async () => {
  db = await createTestDatabase('pg')
  store = new PgSessionStore({ db: db.db, table: db.table, createTable: true, prune: false })
  app = createApp(store)
  const res = await request(app).post('/login/dave').expect(200)
  valid = { cookie: sessionCookie(res)!, id: res.body.id }
})
afterAll(async () => {
  await store?.close()
  await db?.close()
})

describe('malformed connect.sid cookies', () => {
  it('each hand-made hostile value gets a fresh session and writes no row', async () => {
    const value = decodeURIComponent(valid.cookie.slice('connect.sid='.length))
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1)
    const cases = [
      'connect.sid=',
      'connect.sid=not-a-session',
      `connect.sid=${randomBytes(24).toString('base64url')}`,
      `connect.sid=${encodeURIComponent(`s:${randomBytes(32).toString('base64url')}.${randomBytes(32).toString('base64')}`)}`,
      // tampered id, tampered signature, signature stripped
      `connect.sid=${encodeURIComponent(flip(value, 5))}`,
      `connect.sid=${encodeURIComponent(flip(value, value.length - 3))}`,
      `connect.sid=${encodeURIComponent(value.slice(0, value.lastIndexOf('.')))}`,
      `connect.sid=${valid.id}`,
      // oversized, and badly percent-encoded
      `connect.sid=s%3A${'a'.repeat(12_000)}.${'b'.repeat(43)}`,
      'connect.sid=%E0%A4%A',
      'connect.sid=s%3A%00%01%02.%FF',
      // validly signed ids the store never issued: unknown, oversized, odd characters
      signed(randomBytes(32).toString('base64url')),
      signed('x'.repeat(4_000)),
      signed('../../etc/passwd; drop table http_sessions'),
    ]
    const before = await rowCount()
    for (const cookie of cases) await expectFreshSession(cookie)
    expect(await rowCount()).toBe(before)
    // The real session was not disturbed by its tampered copies.
    const still = await request(app).get('/whoami').set('Cookie', valid.cookie).expect(200)
    expect(still.body).toMatchObject({ id: valid.id, user: 'dave' })
  })

  it('random printable cookie values never give a 5xx or a row', async () => {
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter(
      (c) => c !== ';' && c !== ',',
    )
    const before = await rowCount()
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...printable), { maxLength: 300 }).map((chars) => chars.join('')),
        fc.boolean(),
        async (text, prefixed) => {
          await expectFreshSession(`connect.sid=${prefixed ? 's%3A' : ''}${text}`)
        },
      ),
      { numRuns: 100 },
    )
    expect(await rowCount()).toBe(before)
  })
})
