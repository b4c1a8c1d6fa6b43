/**
 * `@pgstore/core/web` `handle()`: the fetch-style lifecycle a web-standard server uses as it is, and the
 * adapter kit's `resolveStore`, on PostgreSQL and PGlite.
 */
import { digestSessionId, isPgStoreError, PgStore, unsignCookieValue } from '@pgstore/core'
import { resolveStore, secureCookieDefaults } from '@pgstore/core/adapter'
import { createRequestSessions, handle, type RequestSessions } from '@pgstore/core/web'
import { createTestDatabase, type DbKind, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SECRET = 'web-handle-test-secret-0123456789-abcdef'

describe.each<DbKind>(['pg', 'pglite'])('handle() on %s', (kind) => {
  let db: TestDatabase
  let store: PgStore
  let sessions: RequestSessions<{ views?: number }>

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false, touchAfter: 0 })
    sessions = createRequestSessions({ store, secrets: [SECRET], rolling: true })
  })
  afterAll(async () => {
    await store?.close()
    await db?.close()
  })

  const count = (request: Request) =>
    handle(sessions, request, (session) => {
      session.set('views', (session.get('views') ?? 0) + 1)
      return Response.json({ views: session.get('views') })
    })
  const cookieOf = (response: Response) => response.headers.get('set-cookie')!.split(';')[0]!

  it('loads, runs the handler, saves and sets the cookie; the next request reads it back', async () => {
    const first = await count(new Request('http://app.test/'))
    expect(await first.json()).toEqual({ views: 1 })
    const line = first.headers.get('set-cookie')!
    expect(line).toMatch(/^pgsid=[^;]+; Path=\/; Max-Age=\d+; .*HttpOnly.*SameSite=Lax/)
    const second = await count(new Request('http://app.test/', { headers: { cookie: cookieOf(first) } }))
    expect(await second.json()).toEqual({ views: 2 })
    expect(await store.length()).toBe(1)
  })

  it('puts the cookie on a response whose headers are immutable (Response.redirect)', async () => {
    const response = await handle(sessions, new Request('http://app.test/login'), (session) => {
      session.set('views', 10)
      return Response.redirect('http://app.test/home', 303)
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('http://app.test/home')
    const next = await count(new Request('http://app.test/', { headers: { cookie: cookieOf(response) } }))
    expect(await next.json()).toEqual({ views: 11 })
  })

  it('sends no cookie for an untouched new session, and touches a rolling one', async () => {
    const anonymous = await handle(sessions, new Request('http://app.test/'), () => new Response('hi'))
    expect(anonymous.headers.get('set-cookie')).toBeNull()
    const saved = await count(new Request('http://app.test/'))
    const reread = await handle(
      sessions,
      new Request('http://app.test/', { headers: { cookie: cookieOf(saved) } }),
      () => new Response('read only'),
    )
    expect(cookieOf(reread)).toBe(cookieOf(saved))
  })

  it('records the User-Agent of the request that creates the session; later requests leave it', async () => {
    const agent = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
    const metaOf = async (response: Response) => {
      const [name, value] = cookieOf(response).split('=') as [string, string]
      const sid = unsignCookieValue(name, decodeURIComponent(value), [SECRET])!
      return (await store.all()).find((e) => e.digest === digestSessionId(sid))?.meta
    }
    const first = await count(new Request('http://app.test/', { headers: { 'user-agent': agent } }))
    expect(await metaOf(first)).toEqual({ userAgent: agent })
    const again = await count(
      new Request('http://app.test/', { headers: { cookie: cookieOf(first), 'user-agent': 'other' } }),
    )
    expect(await again.json()).toEqual({ views: 2 })
    expect(await metaOf(first)).toEqual({ userAgent: agent })

    // regenerate creates: it records the request's metadata; `metadata` adds what a Request cannot carry.
    const login = await handle(
      sessions,
      new Request('http://app.test/login', { headers: { cookie: cookieOf(first), 'user-agent': 'phone' } }),
      async (session) => {
        await session.regenerate()
        return new Response('in')
      },
      { metadata: (r) => ({ userAgent: r.headers.get('user-agent')!, ip: '203.0.113.9' }) },
    )
    expect(await metaOf(login)).toEqual({ userAgent: 'phone', ip: '203.0.113.9' })

    const none = await handle(
      sessions,
      new Request('http://app.test/', { headers: { 'user-agent': agent } }),
      async (session) => {
        session.set('views', 1)
        return new Response('')
      },
      { metadata: false },
    )
    expect(await metaOf(none)).toBeNull()
  })
})

describe('adapter kit: resolveStore', () => {
  let db: TestDatabase
  beforeAll(async () => {
    db = await createTestDatabase('pg')
  })
  afterAll(async () => {
    await db?.close()
  })

  it('leaves a store it was given open, and closes one it created', async () => {
    const mine = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    for (const given of [mine, { store: mine }]) {
      const resolved = resolveStore(given, 'test')
      expect(resolved.owned).toBe(false)
      await resolved.close()
      await expect(mine.length()).resolves.toBeTypeOf('number')
    }
    await mine.close()
    const created = resolveStore({ db: db.db, table: db.table, prune: false }, 'test')
    expect(created.owned).toBe(true)
    await created.store.length()
    await created.close()
    await expect(created.store.length()).rejects.toSatisfy((err) => isPgStoreError(err, 'CLOSED'))
  })

  it('refuses what is not a store or its options, naming the adapter', () => {
    const store = new PgStore({ db: db.db, table: db.table, prune: false })
    const cases: unknown[] = [undefined, null, 'postgres://x', { store: {} }, { store, ttl: 5 }]
    for (const value of cases) {
      let error: unknown
      try {
        resolveStore(value as never, '@pgstore/x')
      } catch (err) {
        error = err
      }
      expect(isPgStoreError(error, 'INVALID_OPTIONS'), String(value)).toBe(true)
      expect((error as Error).message).toMatch(/^@pgstore\/x: /)
    }
  })

  it('starts cookies httpOnly and SameSite=Lax, Secure only in production', () => {
    const before = process.env.NODE_ENV
    try {
      process.env.NODE_ENV = 'production'
      expect(secureCookieDefaults()).toEqual({ httpOnly: true, sameSite: 'lax', secure: true })
      process.env.NODE_ENV = 'development'
      expect(secureCookieDefaults().secure).toBe(false)
    } finally {
      if (before === undefined) delete process.env.NODE_ENV
      else process.env.NODE_ENV = before
    }
  })
})
