/**
 * express-session behaviours through a real Express 5 app on PostgreSQL, with probes on the table itself.
 */
import { isSessionId, PgStore } from '@pgstore/core'
import { createTestDatabase, DATABASE_URL, digest, probeTable, type TestDatabase } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/node-postgres'
import type { SessionData } from 'express-session'
import pg from 'pg'
import request from 'supertest'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PgSessionStore, type PgSessionStoreOptions, sessionDefaults } from '../src'
import { createApp, sessionCookie } from './app'

const SECRET_OLD = 'old-secret-old-secret-old-secret-0001'
const SECRET_NEW = 'new-secret-new-secret-new-secret-0002'

let db: TestDatabase
const stores: PgSessionStore[] = []

function newStore(options: Partial<PgSessionStoreOptions> = {}): PgSessionStore {
  const store = new PgSessionStore({
    db: db.db,
    table: db.table,
    prune: false,
    ...options,
  } as PgSessionStoreOptions)
  stores.push(store)
  return store
}

const row = (sid: string) => probeTable(db, db.table).row(sid)
const rowCount = () => probeTable(db, db.table).count()

beforeAll(async () => {
  db = await createTestDatabase('pg')
  // The table is created once here so every test's store can start without DDL.
  await new PgStore({ db: db.db, table: db.table, createTable: true, prune: false }).length()
})
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()))
})
afterAll(async () => {
  await db?.close()
})

describe('saving', () => {
  it('saveUninitialized: false writes no row and sends no cookie for an untouched session', async () => {
    const before = await rowCount()
    const res = await request(createApp(newStore())).get('/whoami').expect(200)
    expect(sessionCookie(res)).toBeUndefined()
    expect(await rowCount()).toBe(before)
  })

  it('a modified session is saved under the digest of its id, and counts on', async () => {
    const agent = request.agent(createApp(newStore()))
    const first = await agent.post('/views').expect(200)
    expect(sessionCookie(first)).toBeDefined()
    const second = await agent.post('/views').expect(200)
    expect(second.body).toMatchObject({ id: first.body.id, views: 2 })
    expect((await row(first.body.id))!.data.views).toBe(2)
    const raw = await db.query(`select 1 from ${db.sessions} where id = $1`, [first.body.id])
    expect(raw).toHaveLength(0)
  })

  it('expiry follows cookie.maxAge, else the store ttl', async () => {
    const before = Date.now()
    const withMaxAge = await request(createApp(newStore(), { cookie: { maxAge: 120_000 } })).post('/views')
    const browserSession = await request(createApp(newStore({ ttl: 3_600_000 }))).post('/views')
    const after = Date.now()
    const a = (await row(withMaxAge.body.id))!.expires_at.getTime()
    expect(a).toBeGreaterThanOrEqual(before + 120_000 - 1_000)
    expect(a).toBeLessThanOrEqual(after + 120_000 + 1_000)
    const b = (await row(browserSession.body.id))!.expires_at.getTime()
    expect(b).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000)
    expect(b).toBeLessThanOrEqual(after + 3_600_000 + 1_000)
  })

  it('a session whose expiry is already past is destroyed, not stored', async () => {
    const agent = request.agent(createApp(newStore(), { cookie: { maxAge: 60_000 } }))
    const { body } = await agent.post('/views').expect(200)
    expect(await row(body.id)).toBeDefined()
    await agent.post('/expire-now').expect(200)
    expect(await row(body.id)).toBeUndefined()
  })

  it('resave: false never writes an unmodified session over a concurrent write', async () => {
    const concurrentWrite = async (sid: string) => {
      await db.query(
        `update ${db.sessions} set data = jsonb_set(data, '{marker}', '"concurrent"') where id = $1`,
        [digest(sid)],
      )
    }
    for (const resave of [false, true]) {
      const agent = request.agent(
        createApp(newStore({ touchAfter: 0 }), { resave }, { midRequest: concurrentWrite }),
      )
      const { body } = await agent.post('/views').expect(200)
      await agent.get('/slow-read').expect(200)
      // resave: true is the control: it rewrites the session it loaded and loses the marker.
      expect((await row(body.id))!.data.marker, `resave: ${resave}`).toBe(resave ? undefined : 'concurrent')
    }
  })
})

describe('session lifecycle', () => {
  it('regenerate (as on login) moves the session to a new id and deletes the old row', async () => {
    const agent = request.agent(createApp(newStore()))
    const anon = await agent.post('/views').expect(200)
    const login = await agent.post('/login/alice').expect(200)
    expect(login.body.id).not.toBe(anon.body.id)
    expect(await row(anon.body.id)).toBeUndefined()
    expect((await row(login.body.id))!.data).toMatchObject({ user: 'alice', views: 1 })
    expect((await agent.get('/whoami')).body).toMatchObject({ id: login.body.id, user: 'alice' })
  })

  it('destroy (as on logout) deletes the row, and the old cookie then gets a fresh session', async () => {
    const agent = request.agent(createApp(newStore()))
    const { body } = await agent.post('/login/bob').expect(200)
    await agent.post('/logout').expect(200)
    expect(await row(body.id)).toBeUndefined()
    const after = await agent.get('/whoami').expect(200)
    expect(after.body.user).toBeNull()
    expect(after.body.id).not.toBe(body.id)
  })

  it('reload reads what another request wrote meanwhile', async () => {
    const app = createApp(
      newStore(),
      {},
      {
        midRequest: async (sid) => {
          await db.query(`update ${db.sessions} set data = jsonb_set(data, '{views}', '42') where id = $1`, [
            digest(sid),
          ])
        },
      },
    )
    const agent = request.agent(app)
    await agent.post('/views').expect(200)
    expect((await agent.get('/reload').expect(200)).body).toEqual({ before: 1, after: 42 })
  })

  it('a secret array rotates: old cookies still work, are re-signed with the new secret, then retire', async () => {
    const store = newStore()
    // With a maxAge, a modified session's cookie is sent again, which re-signs it with the first secret.
    const cookie = { maxAge: 600_000 }
    const oldApp = createApp(store, { secret: [SECRET_OLD], cookie })
    const rotating = createApp(store, { secret: [SECRET_NEW, SECRET_OLD], cookie })
    const newOnly = createApp(store, { secret: [SECRET_NEW], cookie })
    const created = await request(oldApp).post('/views').expect(200)
    const oldCookie = sessionCookie(created)!

    const read = await request(rotating).get('/whoami').set('Cookie', oldCookie).expect(200)
    expect(read.body).toMatchObject({ id: created.body.id, views: 1 })
    const resigned = await request(rotating).post('/views').set('Cookie', oldCookie).expect(200)
    const newCookie = sessionCookie(resigned)!
    expect(newCookie).not.toBe(oldCookie)

    expect((await request(newOnly).get('/whoami').set('Cookie', newCookie)).body).toMatchObject({
      id: created.body.id,
      views: 2,
    })
    const retired = await request(newOnly).get('/whoami').set('Cookie', oldCookie).expect(200)
    expect(retired.body.id).not.toBe(created.body.id)
    expect(retired.body.views).toBe(0)
  })
})

describe('touch', () => {
  it('rolling: true moves the row expiry and the cookie together, without rewriting data', async () => {
    const app = createApp(newStore({ touchAfter: 0 }), { rolling: true, cookie: { maxAge: 600_000 } })
    const agent = request.agent(app)
    const { body } = await agent.post('/views').expect(200)
    await db.query(
      `update ${db.sessions} set expires_at = now() + interval '10 seconds', data = jsonb_set(data, '{marker}', '"kept"') where id = $1`,
      [digest(body.id)],
    )
    const res = await agent.get('/whoami').expect(200)
    expect(sessionCookie(res)).toBeDefined()
    const after = (await row(body.id))!
    expect(after.expires_at.getTime()).toBeGreaterThan(Date.now() + 500_000)
    expect(after.data.marker).toBe('kept')
    const read = (await newStore().get(body.id))!
    expect(new Date(read.cookie.expires as unknown as string).getTime()).toBe(after.expires_at.getTime())
  })

  it('without rolling, an unmodified session sends no cookie', async () => {
    const agent = request.agent(createApp(newStore({ touchAfter: 0 }), { cookie: { maxAge: 600_000 } }))
    await agent.post('/views').expect(200)
    expect(sessionCookie(await agent.get('/whoami').expect(200))).toBeUndefined()
  })

  it('a read-only request costs one query inside touchAfter, two with touchAfter: 0', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 })
    let queries = 0
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown
    ;(pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
      queries++
      return query(...args)
    }
    try {
      const counts: number[] = []
      for (const touchAfter of [60_000, 0]) {
        const store = newStore({
          db: drizzle({ client: pool }),
          touchAfter,
        } as Partial<PgSessionStoreOptions>)
        const agent = request.agent(createApp(store, { cookie: { maxAge: 3_600_000 } }))
        const { body } = await agent.post('/views').expect(200)
        await db.query(`update ${db.sessions} set expires_at = '2100-01-01T00:00:00Z' where id = $1`, [
          digest(body.id),
        ])
        queries = 0
        await agent.get('/whoami').expect(200)
        counts.push(queries)
        const expires = (await row(body.id))!.expires_at.toISOString()
        expect(expires === '2100-01-01T00:00:00.000Z', `touchAfter: ${touchAfter}`).toBe(touchAfter > 0)
      }
      expect(counts).toEqual([1, 2])
    } finally {
      await Promise.all(stores.splice(0).map((s) => s.close()))
      await pool.end()
    }
  })
})

describe('users and defaults', () => {
  it('lists a user’s sessions and logs out the other devices', async () => {
    const store = newStore({ userId: (s: SessionData) => s.user })
    const laptop = request.agent(createApp(store))
    const phone = request.agent(createApp(store))
    const mine = (await laptop.post('/login/carol').expect(200)).body.id as string
    await phone.post('/login/carol').expect(200)

    const listed = await store.listByUser('carol', { current: mine })
    expect(listed).toHaveLength(2)
    expect(listed.filter((e) => e.current).map((e) => e.digest)).toEqual([digest(mine)])
    expect(JSON.stringify(listed)).not.toContain(mine)

    expect(await store.destroyByUser('carol', { except: mine })).toBe(1)
    expect((await phone.get('/whoami')).body.user).toBeNull()
    expect((await laptop.get('/whoami')).body.user).toBe('carol')
  })

  it('encryption: the app reads its session while the row holds only ciphertext', async () => {
    const store = newStore({ encryption: { keys: ['an-encryption-key-of-at-least-32-chars'] } })
    const agent = request.agent(createApp(store))
    const { body } = await agent.post('/login/zoe-the-encrypted').expect(200)
    expect((await agent.get('/whoami')).body).toMatchObject({ id: body.id, user: 'zoe-the-encrypted' })
    const [stored] = await db.query<{ text: string }>(
      `select data::text as text from ${db.sessions} where id = $1`,
      [digest(body.id)],
    )
    expect(stored!.text).not.toContain('zoe-the-encrypted')
    expect(stored!.text).not.toContain('cookie')
  })

  it('sessionDefaults gives 256-bit ids and an httpOnly, SameSite=Lax cookie', async () => {
    const store = newStore()
    const app = createApp(store, sessionDefaults({ store, secret: [SECRET_NEW] }))
    const res = await request(app).post('/views').expect(200)
    expect(isSessionId(res.body.id)).toBe(true)
    const header = (res.headers['set-cookie'] as unknown as string[]).join(';')
    expect(header).toMatch(/HttpOnly/)
    expect(header).toMatch(/SameSite=Lax/)
    expect(header).not.toMatch(/Secure/)
  })
})
