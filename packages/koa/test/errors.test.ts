/**
 * Failure paths through a real Koa 3 app: a PostgreSQL outage answers 503 through Koa's error handling and
 * the process keeps serving; bad, tampered or stale cookies start a new session and never give a 5xx.
 */
import { isPgStoreError, type PgStoreError } from '@pgstore/core'
import { createTestDatabase, type Relay, startRelay, type TestDatabase } from '@pgstore/testing'
import fc from 'fast-check'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PgSessionStore, pgSessionStore } from '../src'
import { cookieHeader, createApp, digest, jar, probe } from './helpers'

let db: TestDatabase
let store: PgSessionStore

beforeAll(async () => {
  db = await createTestDatabase('pg')
  store = pgSessionStore({ db: db.db, table: db.table, createTable: true, prune: false })
})
afterAll(async () => {
  await store?.store.close()
  await db?.close()
})

describe('database outage', () => {
  let relay: Relay
  let cut: PgSessionStore
  const background: PgStoreError[] = []

  beforeAll(async () => {
    relay = await startRelay()
    cut = pgSessionStore({
      connectionString: relay.url,
      table: db.table,
      createTable: true,
      connectTimeout: 2_000,
      prune: false,
    })
    cut.store.on('backgroundError', (err) => background.push(err))
  })
  afterAll(async () => {
    await cut?.store.close()
    await relay?.close()
  })

  it('answers 503 through Koa, keeps serving, says nothing about the session, and recovers', async () => {
    const app = createApp(cut)
    const first = await request(app.callback()).get('/count').expect(200)
    const cookies = jar(first)
    const key = cookies['koa.sess']!

    await relay.cut()
    const read = await request(app.callback()).get('/count').set('Cookie', cookieHeader(cookies))
    expect(read.status).toBe(503)
    expect(read.text).toBe('Service Unavailable')
    const write = await request(app.callback()).get('/count')
    expect(write.status).toBe(503)
    await request(app.callback()).get('/health').expect(200, { ok: true })
    expect(cut.store.healthy).toBe(false)

    expect(app.errors.length).toBeGreaterThanOrEqual(2)
    for (const err of [...app.errors, ...background]) {
      expect(isPgStoreError(err, 'DB_UNAVAILABLE'), String(err)).toBe(true)
      const text = `${(err as Error).message}\n${(err as Error).stack}`
      expect(text).not.toContain(key)
      expect(text).not.toContain(digest(key))
    }

    await relay.restore()
    const back = await request(app.callback()).get('/count').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(back.body).toEqual({ n: 2, user: null, isNew: false })
    expect(cut.store.healthy).toBe(true)
  })
})

describe('bad cookies', () => {
  const cookieChar = fc.constantFrom(
    ...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter(
      (c) => c !== ';',
    ),
  )
  const cookieValue = fc.oneof(
    fc.string({ unit: cookieChar, maxLength: 64 }),
    fc.string({ unit: cookieChar, minLength: 500, maxLength: 2_000 }),
  )

  it.each([
    ['signed', {}],
    ['unsigned', { signed: false }],
  ] as const)(
    'any value or signature gives a new session, never a 5xx (%s cookies)',
    async (_label, options) => {
      const app = createApp(store, options)
      await fc.assert(
        fc.asyncProperty(cookieValue, cookieValue, async (value, sig) => {
          const res = await request(app.callback())
            .get('/count')
            .set('Cookie', `koa.sess=${value}; koa.sess.sig=${sig}`)
          expect(res.status).toBe(200)
          expect(res.body).toEqual({ n: 1, user: null, isNew: true })
          expect(jar(res)['koa.sess']).not.toBe(value)
        }),
        { numRuns: 60 },
      )
      expect(app.errors).toEqual([])
    },
  )

  it('a swapped, altered, oversized or stale cookie gives a new session and deletes nothing', async () => {
    const p = probe(db)
    const app = createApp(store)
    const a = jar(await request(app.callback()).get('/count').expect(200))
    const b = jar(await request(app.callback()).get('/count').expect(200))
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)
    const gone = jar(await request(app.callback()).get('/count').expect(200))
    await request(app.callback()).get('/logout').set('Cookie', cookieHeader(gone)).expect(200)

    const bad = [
      { 'koa.sess': a['koa.sess']!, 'koa.sess.sig': b['koa.sess.sig']! },
      { 'koa.sess': a['koa.sess']!, 'koa.sess.sig': flip(a['koa.sess.sig']!) },
      { 'koa.sess': flip(a['koa.sess']!), 'koa.sess.sig': a['koa.sess.sig']! },
      { 'koa.sess': a['koa.sess']! },
      { 'koa.sess': 'x'.repeat(8_000), 'koa.sess.sig': a['koa.sess.sig']! },
      gone,
    ]
    for (const cookies of bad) {
      const res = await request(app.callback()).get('/peek').set('Cookie', cookieHeader(cookies))
      expect(res.status).toBe(200)
      expect(res.body.isNew).toBe(true)
    }
    expect(await p.row(a['koa.sess']!)).toBeDefined()
    expect(await p.row(b['koa.sess']!)).toBeDefined()
    expect(app.errors).toEqual([])
  })
})
