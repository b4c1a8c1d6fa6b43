/**
 * Migration from the real connect-pg-simple: sessions it created are imported, and the same cookies then
 * work against PgSessionStore, with the ids hashed at rest.
 */
import { createTestDatabase, digest, type TestDatabase } from '@pgstore/testing'
import connectPgSimple from 'connect-pg-simple'
import session, { type SessionData, type Store } from 'express-session'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importConnectPgSimple, PgSessionStore } from '../src'
import { createApp, sessionCookie } from './app'

const cookieOptions = { cookie: { maxAge: 3_600_000 } }

let db: TestDatabase
let legacy: Store & { close(): Promise<void> }

beforeAll(async () => {
  db = await createTestDatabase('pg')
  const PGStore = connectPgSimple(session)
  legacy = new PGStore({
    pool: db.pool,
    schemaName: db.schema,
    tableName: 'session',
    createTableIfMissing: true,
    pruneSessionInterval: false,
  }) as unknown as typeof legacy
})
afterAll(async () => {
  await legacy?.close()
  await db?.close()
})

describe('importConnectPgSimple', () => {
  it('copies live connect-pg-simple sessions so the same cookies keep working', async () => {
    const legacyApp = createApp(legacy as never, cookieOptions)
    const alice = request.agent(legacyApp)
    await alice.post('/views').expect(200)
    const aliceLogin = await alice.post('/login/alice').expect(200)
    await alice.post('/views').expect(200)
    const aliceCookie = sessionCookie(aliceLogin)!
    const bob = await request(legacyApp).post('/login/bob').expect(200)
    const gone = await request(legacyApp).post('/login/eve').expect(200)
    await db.query(`update "${db.schema}".session set expire = now() - interval '1 minute' where sid = $1`, [
      gone.body.id,
    ])
    expect((await request(legacyApp).get('/whoami').set('Cookie', aliceCookie)).body).toMatchObject({
      user: 'alice',
      views: 2,
    })

    const result = await importConnectPgSimple({
      db: db.db,
      schema: db.schema,
      from: 'session',
      table: db.table,
      createTable: true,
      userId: (s: SessionData) => s.user,
      batchSize: 1,
    })
    expect(result).toEqual({ imported: 2, skipped: 0, expired: 1, failed: 0 })

    const store = new PgSessionStore({
      db: db.db,
      table: db.table,
      prune: false,
      userId: (s: SessionData) => s.user,
    })
    try {
      const app = createApp(store, cookieOptions)
      const asAlice = await request(app).get('/whoami').set('Cookie', aliceCookie).expect(200)
      expect(asAlice.body).toEqual({ id: aliceLogin.body.id, user: 'alice', views: 2 })
      const asBob = await request(app).get('/whoami').set('Cookie', sessionCookie(bob)!).expect(200)
      expect(asBob.body).toMatchObject({ id: bob.body.id, user: 'bob' })
      const asEve = await request(app).get('/whoami').set('Cookie', sessionCookie(gone)!).expect(200)
      expect(asEve.body.user).toBeNull()

      const ids = await db.query<{ id: string; user_id: string }>(
        `select id, user_id from ${db.sessions} order by user_id`,
      )
      expect(ids).toEqual([
        { id: digest(aliceLogin.body.id), user_id: 'alice' },
        { id: digest(bob.body.id), user_id: 'bob' },
      ])
      expect(await store.listByUser('alice')).toHaveLength(1)
      const [expiry] = await db.query<{ same: boolean }>(
        `select abs(extract(epoch from (h.expires_at - s.expire::timestamptz))) < 1 as same
         from ${db.sessions} h join "${db.schema}".session s on h.id = $1 and s.sid = $2`,
        [digest(aliceLogin.body.id), aliceLogin.body.id],
      )
      expect(expiry!.same).toBe(true)
    } finally {
      await store.close()
    }
  })

  it('a second run (here over a pool) leaves imported rows alone', async () => {
    const result = await importConnectPgSimple({ pool: db.pool!, schema: db.schema, table: db.table })
    expect(result).toEqual({ imported: 0, skipped: 2, expired: 1, failed: 0 })
  })

  it('refuses a table or schema name that is not a plain identifier', async () => {
    await expect(importConnectPgSimple({ db: db.db, from: 'session; drop table x' })).rejects.toThrow(
      /table name must match/,
    )
  })
})
