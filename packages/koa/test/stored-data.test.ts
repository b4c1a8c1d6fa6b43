/** Stored data an attacker with write access to a row might plant: koa-session must still answer. */
import { useTestDatabase } from '@pgstore/testing'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PgSessionStore, pgSessionStore } from '../src'
import { cookieHeader, createApp, digest, jar } from './helpers'

describe('a __proto__ key at the root of a stored session', () => {
  const db = useTestDatabase('pg', { createTable: true })
  let store: PgSessionStore

  beforeAll(() => {
    store = pgSessionStore({ db: db.db, table: db.table, prune: false })
  })
  afterAll(async () => {
    await store.close()
  })

  it('is dropped, so the session keeps its prototype and the request answers 200', async () => {
    const app = createApp(store)
    const cookies = jar(await request(app.callback()).get('/count').expect(200))
    const key = cookies['koa.sess']!
    await db.query(
      `update ${db.sessions} set data = jsonb_set(data, '{__proto__}', '{"toJSON": 1, "n": 41}') where id = $1`,
      [digest(key)],
    )
    const res = await request(app.callback()).get('/count').set('Cookie', cookieHeader(cookies)).expect(200)
    expect(res.body.n).toBe(2)
    expect(app.errors).toEqual([])
  })
})
