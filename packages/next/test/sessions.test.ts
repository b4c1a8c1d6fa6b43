import { isPgStoreError, PgStore, signCookieValue } from '@pgstore/core'
import type { Session } from '@pgstore/core/web'
import { digest, useTestDatabase } from '@pgstore/testing'
import {
  MutableRequestCookiesAdapter,
  RequestCookiesAdapter,
} from 'next/dist/server/web/spec-extension/adapters/request-cookies'
import { RequestCookies } from 'next/dist/server/web/spec-extension/cookies'
import { NextRequest, NextResponse } from 'next/server'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { type NextCookieStore, nextCookieJar, requestCookies } from '../src/cookies'
import { bindSessions, type Sessions } from '../src/sessions'

interface Data {
  userId?: string
  count?: number
}

const SECRET = 'next-test-secret-0123456789-abcdefghij'
const headersWith = (cookie?: string) => new Headers(cookie ? { cookie } : {})

/** Next's cookie store in a server action or route handler: writable, collecting Set-Cookie lines. */
function actionCookies(cookie?: string) {
  const lines: string[][] = []
  const store = MutableRequestCookiesAdapter.wrap(new RequestCookies(headersWith(cookie)), (l) =>
    lines.push(l),
  )
  return { store: store as unknown as NextCookieStore, setCookies: () => lines.at(-1) ?? [] }
}

/** Next's cookie store in a server component: set/delete throw ReadonlyRequestCookiesError. */
function componentCookies(cookie?: string) {
  return RequestCookiesAdapter.seal(new RequestCookies(headersWith(cookie))) as unknown as NextCookieStore
}

/** `name=value` pairs of Set-Cookie lines, as the browser sends them back. */
const cookieHeader = (lines: readonly string[]) =>
  lines
    .map((l) => l.slice(0, l.indexOf(';')))
    .filter((pair) => !pair.endsWith('='))
    .join('; ')

describe('@pgstore/next on PostgreSQL', () => {
  const db = useTestDatabase('pg')
  let store: PgStore
  let current: NextCookieStore
  /** The raw Cookie header of the current request, as `headers()` gives it. */
  let currentHeader: string | undefined
  let sessions: Sessions<Data>
  const row = async (sid: string) =>
    (
      await db.query<{ data: Record<string, unknown> }>(`select data from ${db.sessions} where id = $1`, [
        digest(sid),
      ])
    )[0]

  /** One server-action request: runs `work` with getSession bound to fresh writable cookies. */
  async function inAction(cookie: string | undefined, work: (s: Sessions<Data>) => Promise<void>) {
    const request = actionCookies(cookie)
    current = request.store
    currentHeader = cookie
    await work(sessions)
    return request.setCookies()
  }

  beforeAll(async () => {
    store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    await store.length()
    sessions = bindSessions<Data>(
      { store, secrets: [SECRET] },
      { cookies: async () => current, headers: async () => headersWith(currentHeader), cache: (fn) => fn },
    )
  })
  afterAll(async () => {
    await store.close()
  })

  it('saves from a server action through Next cookies, with the default attributes', async () => {
    let id = ''
    const lines = await inAction(undefined, async ({ getSession }) => {
      const session = await getSession()
      expect(session.isNew).toBe(true)
      session.set('userId', 'u1')
      await session.save()
      id = session.id
    })
    expect(lines).toHaveLength(1)
    const line = lines[0]!
    expect(line.startsWith(`pgsid=${signCookieValue('pgsid', id, [SECRET])};`)).toBe(true)
    expect(line).toMatch(/Path=\//)
    expect(line).toMatch(/HttpOnly/)
    expect(line).toMatch(/SameSite=lax/i)
    expect(line).toMatch(/Max-Age=1209600/)
    expect(line).not.toMatch(/Secure/)
    expect((await row(id))!.data).toEqual({ userId: 'u1' })
  })

  it('in production names the cookie __Host-pgsid (Secure, Path=/, no Domain), named sessions too', async () => {
    const before = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    let prod: Sessions<Data>
    try {
      prod = bindSessions<Data>(
        { store, secrets: [SECRET] },
        { cookies: async () => current, headers: async () => headersWith(currentHeader), cache: (fn) => fn },
      )
    } finally {
      process.env.NODE_ENV = before
    }
    const request = actionCookies()
    current = request.store
    currentHeader = undefined
    const main = await prod.getSession()
    main.set('userId', 'u1')
    await main.save()
    const cart = await prod.getSession('cart')
    cart.set('count', 1)
    await cart.save()
    const lines = request.setCookies()
    expect(lines.map((l) => l.slice(0, l.indexOf('=')))).toEqual(['__Host-pgsid', '__Host-pgsid-cart'])
    for (const line of lines) {
      expect(line).toMatch(/; Path=\/(;|$)/)
      expect(line).toMatch(/; Secure/)
      expect(line).not.toMatch(/Domain/i)
    }
    const header = cookieHeader(lines)
    const again = actionCookies(header)
    current = again.store
    currentHeader = header
    expect((await prod.getSession()).data).toEqual({ userId: 'u1' })
    expect((await prod.getSession('cart')).data).toEqual({ count: 1 })
    expect(prod.hasSessionCookie(new Request('http://app.test/', { headers: { cookie: header } }))).toBe(true)
    const plain = header.replaceAll('__Host-pgsid', 'pgsid')
    expect(prod.hasSessionCookie(new Request('http://app.test/', { headers: { cookie: plain } }))).toBe(false)
  })

  it('reads a session once per request and again on the next request', async () => {
    const lines = await inAction(undefined, async ({ getSession }) => {
      const a = await getSession()
      const b = await getSession()
      expect(a).toBe(b)
      a.set('count', 1)
      await b.save()
    })
    await inAction(cookieHeader(lines), async ({ getSession }) => {
      const s = await getSession()
      expect(s.isNew).toBe(false)
      expect(s.get('count')).toBe(1)
      expectTypeOf(s).toEqualTypeOf<Session<Data>>()
      expectTypeOf(s.get('count')).toEqualTypeOf<number | undefined>()
    })
  })

  it('lets a server component read the session, and throws READ_ONLY on every write, writing nothing', async () => {
    let id = ''
    const lines = await inAction(undefined, async ({ getSession }) => {
      const s = await getSession()
      s.set('count', 7)
      await s.save()
      id = s.id
    })
    currentHeader = cookieHeader(lines)
    current = componentCookies(currentHeader)
    const s = await sessions.getSession()
    expect(s.get('count')).toBe(7)
    s.set('count', 8)
    for (const write of [() => s.save(), () => s.regenerate(), () => s.destroy()]) {
      const err = (await write().catch((e: unknown) => e)) as Error & { cause?: Error }
      expect(isPgStoreError(err, 'READ_ONLY')).toBe(true)
      expect(err.message).toMatch(/server action or route handler/)
      expect(err.message).not.toContain(id)
      expect(err.cause?.message).toMatch(/Cookies can only be modified/)
    }
    expect((await row(id))!.data).toEqual({ count: 7 })
  })

  it('passes other cookie errors through unchanged', async () => {
    const broken: NextCookieStore = {
      get: () => undefined,
      set: () => {
        throw new TypeError('boom')
      },
    }
    current = broken
    currentHeader = undefined
    const s = await sessions.getSession()
    await expect(s.save()).rejects.toThrow(TypeError)
  })

  it('gives a new empty session for a tampered cookie, never an error', async () => {
    const lines = await inAction(undefined, async ({ getSession }) => {
      const s = await getSession()
      s.set('userId', 'victim')
      await s.save()
    })
    const [pair] = cookieHeader(lines).split('; ')
    await inAction(`${pair!.slice(0, -2)}xx`, async ({ getSession }) => {
      const s = await getSession()
      expect(s.isNew).toBe(true)
      expect(s.data).toEqual({})
    })
  })

  it('regenerates at login and destroys at logout through Next cookies', async () => {
    let oldId = ''
    let newId = ''
    const first = await inAction(undefined, async ({ getSession }) => {
      const s = await getSession()
      s.set('count', 1)
      await s.save()
      oldId = s.id
    })
    const second = await inAction(cookieHeader(first), async ({ getSession }) => {
      const s = await getSession()
      await s.regenerate()
      s.set('userId', 'u9')
      await s.save()
      newId = s.id
    })
    expect(newId).not.toBe(oldId)
    expect(await row(oldId)).toBeUndefined()
    expect((await row(newId))!.data).toEqual({ count: 1, userId: 'u9' })
    const third = await inAction(cookieHeader(second), async ({ getSession }) => {
      await (await getSession()).destroy()
    })
    expect(await row(newId)).toBeUndefined()
    expect(third[0]).toMatch(/^pgsid=;.*Expires=Thu, 01 Jan 1970/)
  })

  it('keeps named sessions in separate cookies', async () => {
    const lines = await inAction(undefined, async ({ getSession }) => {
      const main = await getSession()
      const cart = await getSession('cart')
      expect(main).not.toBe(cart)
      main.set('userId', 'u1')
      cart.set('count', 3)
      await main.save()
      await cart.save()
    })
    expect(lines.map((l) => l.slice(0, l.indexOf('=')))).toEqual(['pgsid', 'pgsid-cart'])
    await inAction(cookieHeader(lines), async ({ getSession }) => {
      expect((await getSession()).data).toEqual({ userId: 'u1' })
      expect((await getSession('cart')).data).toEqual({ count: 3 })
    })
  })

  it('signs the cookie name: a named session cookie moved under the default name opens nothing', async () => {
    const lines = await inAction(undefined, async ({ getSession }) => {
      const cart = await getSession('cart')
      cart.set('userId', 'cart-owner')
      await cart.save()
    })
    const value = lines[0]!.slice('pgsid-cart='.length, lines[0]!.indexOf(';'))
    await inAction(`pgsid=${value}`, async ({ getSession }) => {
      const s = await getSession()
      expect(s.isNew).toBe(true)
      expect(s.data).toEqual({})
    })
    await inAction(`pgsid-cart=${value}`, async ({ getSession }) => {
      expect((await getSession('cart')).data).toEqual({ userId: 'cart-owner' })
    })
    const request = (cookie: string) => new Request('http://app.test/', { headers: { cookie } })
    const viaRoute = sessions.withSession(async (_req, _ctx, s) => Response.json({ isNew: s.isNew }))
    expect(await (await viaRoute(request(`pgsid=${value}`), undefined)).json()).toEqual({ isNew: true })
    expect(sessions.hasSessionCookie(request(`pgsid=${value}`))).toBe(false)
    expect(sessions.hasSessionCookie(request(`pgsid-cart=${value}`), 'cart')).toBe(true)
  })

  describe('duplicate cookie names: the one session whose signature verifies, else anonymous', () => {
    /** A saved session's `pgsid=value` pair. */
    async function issue(userId: string) {
      const lines = await inAction(undefined, async ({ getSession }) => {
        const s = await getSession()
        s.set('userId', userId)
        await s.save()
      })
      return cookieHeader(lines)
    }
    const forged = `pgsid=${signCookieValue('pgsid', 'B'.repeat(43), ['not-the-app-secret-0123456789-abcdefg'])}`
    const request = (cookie: string) => new NextRequest('http://app.test/', { headers: { cookie } })
    const whoami = () =>
      sessions.withSession(async (_req, _ctx, s) => Response.json({ user: s.get('userId') ?? null }))

    it('getSession (cookies() and headers()) finds the real cookie before or after a planted one', async () => {
      const real = await issue('real')
      for (const header of [
        `pgsid=garbage; ${real}`,
        `${real}; pgsid=garbage`,
        `${forged}; ${real}`,
        `${real}; ${forged}`,
        `${real}; ${real}`,
      ]) {
        await inAction(header, async ({ getSession }) => {
          expect((await getSession()).get('userId'), header).toBe('real')
        })
      }
    })

    it('getSession gives an anonymous session when two cookies verify with different sessions', async () => {
      const real = await issue('victim')
      const planted = await issue('attacker')
      for (const header of [`${planted}; ${real}`, `${real}; ${planted}`]) {
        await inAction(header, async ({ getSession }) => {
          const s = await getSession()
          expect(s.isNew).toBe(true)
          expect(s.data).toEqual({})
        })
      }
    })

    it('withSession and hasSessionCookie follow the same rule; Next alone would take the last cookie', async () => {
      const real = await issue('real')
      const other = await issue('other')
      expect(request(`${real}; pgsid=garbage`).cookies.get('pgsid')?.value).toBe('garbage')
      for (const header of [`pgsid=garbage; ${real}`, `${real}; pgsid=garbage`, `${real}; ${forged}`]) {
        expect(await (await whoami()(request(header), undefined)).json(), header).toEqual({ user: 'real' })
        expect(sessions.hasSessionCookie(request(header)), header).toBe(true)
      }
      for (const header of [`${real}; ${other}`, `${other}; ${real}`]) {
        expect(await (await whoami()(request(header), undefined)).json(), header).toEqual({ user: null })
        expect(sessions.hasSessionCookie(request(header)), header).toBe(false)
      }
      expect(requestCookies(request(`a=1; pgsid=x; b=2; pgsid=y`), 'pgsid')).toEqual(['x', 'y'])
    })

    it('getAll gives every value sent, until this request writes the cookie', async () => {
      const real = await issue('real')
      const other = await issue('other')
      const { store } = actionCookies(`${real}; ${other}`)
      const jar = nextCookieJar(store, `${real}; ${other}`)
      expect(jar.get('pgsid')).toBe(other.slice('pgsid='.length))
      expect(jar.getAll!('pgsid')).toEqual([real.slice('pgsid='.length), other.slice('pgsid='.length)])
      store.set('pgsid', 'written-now')
      expect(jar.getAll!('pgsid')).toEqual(['written-now'])
      expect(nextCookieJar(store).getAll).toBeUndefined()
    })
  })

  describe('withSession', () => {
    const get = (cookie?: string) => new Request('http://app.test/api', { headers: headersWith(cookie) })
    const setCookie = (res: Response) => res.headers.getSetCookie()

    it('saves a changed session and sets the cookie on a Response.json', async () => {
      const handler = sessions.withSession(async (_req, _ctx, session) => {
        session.set('count', (session.get('count') ?? 0) + 1)
        return Response.json({ count: session.get('count') })
      })
      const first = await handler(get(), undefined)
      expect(await first.json()).toEqual({ count: 1 })
      const cookie = cookieHeader(setCookie(first))
      expect(cookie).toMatch(/^pgsid=/)
      const second = await handler(get(cookie), undefined)
      expect(await second.json()).toEqual({ count: 2 })
    })

    it('sets the cookie on a Response.redirect, whose headers are immutable', async () => {
      const handler = sessions.withSession(async (_req, _ctx, session) => {
        session.flash('notice', 'hi')
        return Response.redirect('http://app.test/next', 303)
      })
      const res = await handler(get(), undefined)
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('http://app.test/next')
      expect(setCookie(res)).toHaveLength(1)
    })

    it('sets the cookie on a NextResponse and keeps its own cookies, and passes the context', async () => {
      const handler = sessions.withSession<NextRequest, { params: Promise<{ id: string }> }>(
        async (req, ctx, session) => {
          session.set('userId', (await ctx.params).id)
          const res = NextResponse.json({ path: req.nextUrl.pathname })
          res.cookies.set('theme', 'dark')
          return res
        },
      )
      const res = await handler(new NextRequest('http://app.test/users/42'), {
        params: Promise.resolve({ id: '42' }),
      })
      expect(await res.json()).toEqual({ path: '/users/42' })
      const names = setCookie(res).map((l) => l.slice(0, l.indexOf('=')))
      expect(names.sort()).toEqual(['pgsid', 'theme'])
      const id = (await sessionsFrom(cookieHeader(setCookie(res)))).id
      expect((await row(id))!.data).toEqual({ userId: '42' })
    })

    it('with rolling, extends an unmodified session: the row expiry moves and the cookie is re-sent', async () => {
      const eager = new PgStore({ db: db.db, table: db.table, prune: false, touchAfter: 0 })
      const rolling = bindSessions<Data>(
        { store: eager, secrets: [SECRET], rolling: true, maxAge: 3_600 },
        { cookies: async () => current, headers: async () => headersWith(currentHeader), cache: (fn) => fn },
      )
      const write = rolling.withSession(async (_req, _ctx, session) => {
        session.set('count', 1)
        return new Response('saved')
      })
      const read = rolling.withSession(async () => new Response('read'))
      const cookie = cookieHeader(setCookie(await write(get(), undefined)))
      const id = (await sessionsFrom(cookie)).id
      await db.query(`update ${db.sessions} set expires_at = now() + interval '1 minute' where id = $1`, [
        digest(id),
      ])
      const res = await read(get(cookie), undefined)
      expect(setCookie(res)).toHaveLength(1)
      expect(setCookie(res)[0]).toMatch(/Max-Age=3600/)
      const [moved] = await db.query<{ expires_at: Date }>(
        `select expires_at from ${db.sessions} where id = $1`,
        [digest(id)],
      )
      expect(moved!.expires_at.getTime()).toBeGreaterThan(Date.now() + 3_000_000)
      expect((await row(id))!.data).toEqual({ count: 1 })
      await eager.close()
    })

    it('without rolling, an unmodified session is not extended', async () => {
      const handler = sessions.withSession(async (_req, _ctx, session) => {
        session.set('count', 1)
        return new Response('saved')
      })
      const cookie = cookieHeader(setCookie(await handler(get(), undefined)))
      const read = sessions.withSession(async () => new Response('read'))
      expect(setCookie(await read(get(cookie), undefined))).toEqual([])
    })

    it('writes nothing when the handler changed nothing', async () => {
      const handler = sessions.withSession(async () => new Response('ok'))
      const res = await handler(get(), undefined)
      expect(setCookie(res)).toEqual([])
      expect(await res.text()).toBe('ok')
    })

    it('writes nothing when the handler throws', async () => {
      let id = ''
      const handler = sessions.withSession(async (_req, _ctx, session) => {
        session.set('count', 1)
        id = session.id
        throw new Error('handler failed')
      })
      await expect(handler(get(), undefined)).rejects.toThrow('handler failed')
      expect(await row(id)).toBeUndefined()
    })

    it('uses the named session given in its options', async () => {
      const handler = sessions.withSession(
        async (_req, _ctx, session) => {
          session.set('count', 5)
          return new Response(null, { status: 204 })
        },
        { name: 'cart' },
      )
      const res = await handler(get(), undefined)
      expect(setCookie(res)[0]).toMatch(/^pgsid-cart=/)
    })

    async function sessionsFrom(cookie: string) {
      let found: Session<Data> | undefined
      await sessions.withSession(async (_req, _ctx, s) => {
        found = s
        return new Response()
      })(get(cookie), undefined)
      return found!
    }
  })

  it('records the User-Agent of the request that creates a session, from headers() and in withSession', async () => {
    const metaOf = async (sid: string) =>
      (await db.query<{ meta: unknown }>(`select meta from ${db.sessions} where id = $1`, [digest(sid)]))[0]
        ?.meta
    let requestHeaders = new Headers({ 'user-agent': 'Firefox/128.0' })
    const recording = bindSessions<Data>(
      { store, secrets: [SECRET] },
      { cookies: async () => current, headers: async () => requestHeaders, cache: (fn) => fn },
    )
    let id = ''
    const request = actionCookies()
    current = request.store
    const created = await recording.getSession()
    created.set('count', 1)
    await created.save()
    id = created.id
    expect(await metaOf(id)).toEqual({ userAgent: 'Firefox/128.0' })

    // A later request that saves the loaded session leaves what its creation recorded.
    requestHeaders = new Headers({ 'user-agent': 'curl/8.5.0' })
    current = actionCookies(cookieHeader(request.setCookies())).store
    const loaded = await recording.getSession()
    expect(loaded.id).toBe(id)
    loaded.set('count', 2)
    await loaded.save()
    expect(await metaOf(id)).toEqual({ userAgent: 'Firefox/128.0' })

    const proxied = bindSessions<Data>(
      {
        store,
        secrets: [SECRET],
        metadata: (h) => ({ ip: h.get('x-forwarded-for')?.split(',')[0], userAgent: 'from a route' }),
      },
      { cookies: async () => current, cache: (fn) => fn },
    )
    const res = await proxied.withSession(async (_req, _ctx, session) => {
      session.set('count', 1)
      id = session.id
      return new Response('ok')
    })(
      new Request('http://app.test/', { headers: { 'x-forwarded-for': '203.0.113.5, 10.0.0.1' } }),
      undefined,
    )
    expect(res.status).toBe(200)
    expect(await metaOf(id)).toEqual({ ip: '203.0.113.5', userAgent: 'from a route' })

    const silent = bindSessions<Data>(
      { store, secrets: [SECRET], metadata: false },
      { cookies: async () => current, headers: async () => requestHeaders, cache: (fn) => fn },
    )
    current = actionCookies().store
    const quiet = await silent.getSession()
    quiet.set('count', 1)
    await quiet.save()
    expect(await metaOf(quiet.id)).toBeNull()
  })

  it('hasSessionCookie checks the signature with no database access', async () => {
    const lines = await inAction(undefined, async ({ getSession }) => {
      const s = await getSession()
      s.set('userId', 'u1')
      await s.save()
    })
    const good = cookieHeader(lines)
    const forged = `pgsid=${signCookieValue('pgsid', 'A'.repeat(43), ['another-secret-0123456789-abcdefghijk'])}`
    expect(
      sessions.hasSessionCookie(new NextRequest('http://app.test/', { headers: { cookie: good } })),
    ).toBe(true)
    expect(sessions.hasSessionCookie(new Request('http://app.test/', { headers: { cookie: good } }))).toBe(
      true,
    )
    expect(sessions.hasSessionCookie(new Request('http://app.test/', { headers: { cookie: forged } }))).toBe(
      false,
    )
    expect(sessions.hasSessionCookie(new Request('http://app.test/'))).toBe(false)
    expect(
      sessions.hasSessionCookie(new Request('http://app.test/', { headers: { cookie: good } }), 'cart'),
    ).toBe(false)
  })
})

describe('createSessions options', () => {
  it('creates its own store from PgStore options, and uses a given store as is', async () => {
    const cookies = () => Promise.reject(new Error('not used'))
    const own = bindSessions(
      { store: { connectionString: 'postgres://x@127.0.0.1:1/x', prune: false }, secrets: [SECRET] },
      {
        cookies,
        cache: (fn) => fn,
      },
    )
    expect(own.store).toBeInstanceOf(PgStore)
    const given = new PgStore({ connectionString: 'postgres://x@127.0.0.1:1/x', prune: false })
    expect(bindSessions({ store: given, secrets: [SECRET] }, { cookies, cache: (fn) => fn }).store).toBe(
      given,
    )
    await own.store.close()
    await given.close()
  })

  it('refuses a missing store with INVALID_OPTIONS that says what is missing', () => {
    const make = () =>
      bindSessions({ secrets: [SECRET] } as unknown as Parameters<typeof bindSessions>[0], {
        cookies: () => Promise.reject(new Error('not used')),
        cache: (fn) => fn,
      })
    expect(make).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/store/) }),
    )
  })

  it('refuses short secrets with INVALID_OPTIONS', () => {
    const make = () =>
      bindSessions(
        { store: { connectionString: 'postgres://x@127.0.0.1:1/x', prune: false }, secrets: ['short'] },
        { cookies: () => Promise.reject(new Error('not used')), cache: (fn) => fn },
      )
    expect(make).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })
})
