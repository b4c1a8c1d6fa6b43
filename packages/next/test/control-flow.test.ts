/**
 * withSession and Next's control-flow errors, on PostgreSQL and PGlite: a handler that throws redirect(),
 * notFound(), forbidden() or unauthorized() still commits its session before the error reaches Next, and
 * Next answers with the cookies. Each request goes through Next's own route-handler code: its cookies()
 * store (MutableRequestCookiesAdapter) and AppRouteRouteModule's handleHandlerError, which turns the thrown
 * error into the response.
 */
import { PgStore } from '@pgstore/core'
import { digest, useTestDatabase } from '@pgstore/testing'
import { AppRouteRouteModule } from 'next/dist/server/route-modules/app-route/module.js'
import { MutableRequestCookiesAdapter } from 'next/dist/server/web/spec-extension/adapters/request-cookies'
import { RequestCookies } from 'next/dist/server/web/spec-extension/cookies'
import { forbidden, notFound, permanentRedirect, redirect, unauthorized } from 'next/navigation'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { NextCookieStore } from '../src/cookies'
import { bindSessions, type SessionRouteHandler, type Sessions } from '../src/sessions'

interface Data {
  userId?: string
  count?: number
  blob?: string
}

const SECRET = 'next-control-flow-secret-0123456789abcd'

/** Next's own turn of a thrown error into a route handler's response (redirect: Location + cookies()). */
const nextRouteModule = AppRouteRouteModule.prototype as unknown as {
  handleHandlerError(
    err: unknown,
    actionStore: object,
    workStore: object,
    requestStore: object,
    context: object,
  ): Response
}

/** A browser's cookies: Set-Cookie lines update it, an empty value deletes. */
class Browser {
  readonly cookies = new Map<string, string>()
  receive(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.slice(0, line.indexOf(';'))
      const eq = pair.indexOf('=')
      const value = pair.slice(eq + 1)
      if (value === '') this.cookies.delete(pair.slice(0, eq))
      else this.cookies.set(pair.slice(0, eq), value)
    }
    return res
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

describe.each(['pg', 'pglite'] as const)('withSession and Next control flow on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  let store: PgStore
  let sessions: Sessions<Data>
  /** What cookies() returns during the current request, as Next's request store hands it out. */
  let current: NextCookieStore | undefined
  let cookiesCalls = 0

  beforeAll(async () => {
    store = new PgStore({ db: db.db, table: db.table, prune: false })
    sessions = bindSessions<Data>(
      { store, secrets: [SECRET] },
      {
        cookies: async () => {
          cookiesCalls++
          return current!
        },
        cache: (fn) => fn,
      },
    )
  })
  afterAll(async () => {
    await store.close()
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  const row = async (sid: string) =>
    (
      await db.query<{ data: Record<string, unknown> }>(`select data from ${db.sessions} where id = $1`, [
        digest(sid),
      ])
    )[0]?.data

  /** One request through Next's route-handler machinery, as the browser sends it; the browser keeps the cookies. */
  async function serve(browser: Browser, handler: SessionRouteHandler<Data, Request, unknown>) {
    const request = new Request('http://app.test/route', { headers: { cookie: browser.header() } })
    const mutableCookies = MutableRequestCookiesAdapter.wrap(new RequestCookies(request.headers))
    current = mutableCookies as unknown as NextCookieStore
    let seen: { id: string } | undefined
    const route = sessions.withSession((req, ctx, session) => {
      seen = session
      return handler(req, ctx, session)
    })
    try {
      return { res: browser.receive(await route(request, undefined)), id: seen!.id, cookies: mutableCookies }
    } catch (err) {
      const res = nextRouteModule.handleHandlerError.call(
        { resolvePendingRevalidations: () => undefined },
        err,
        { isAction: false },
        {},
        { mutableCookies },
        { renderOpts: {} },
      )
      return { res: browser.receive(res), id: seen!.id, cookies: mutableCookies }
    }
  }

  const whoami: SessionRouteHandler<Data, Request, unknown> = (_req, _ctx, session) =>
    Response.json({ userId: session.get('userId') ?? null, count: session.get('count') ?? null })

  async function loggedIn(userId = 'ada'): Promise<{ browser: Browser; id: string }> {
    const browser = new Browser()
    const { id } = await serve(browser, async (_req, _ctx, session) => {
      await session.regenerate()
      session.set('userId', userId)
      return new Response('ok')
    })
    expect(browser.cookies.has('pgsid')).toBe(true)
    return { browser, id }
  }

  it('logout then redirect() really logs out: the next request with the cookie is anonymous', async () => {
    const { browser, id } = await loggedIn()
    const before = browser.header()
    const { res } = await serve(browser, (_req, _ctx, session) => {
      session.unset('userId')
      redirect('/login')
    })
    expect(res.status).toBe(307)
    expect(res.headers.get('location')).toBe('/login')
    expect(await row(id)).toEqual({})
    expect(await (await serve(browser, whoami)).res.json()).toEqual({ userId: null, count: null })
    // Even a copy of the cookie from before the logout no longer signs anyone in.
    const stale = new Browser()
    stale.cookies.set('pgsid', before.slice('pgsid='.length))
    expect(await (await serve(stale, whoami)).res.json()).toEqual({ userId: null, count: null })
  })

  it('destroy() then redirect() deletes the row and sends the expired cookie', async () => {
    const { browser, id } = await loggedIn()
    const { res } = await serve(browser, async (_req, _ctx, session) => {
      await session.destroy()
      redirect('/login')
    })
    expect(res.status).toBe(307)
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^pgsid=;.*Expires=Thu, 01 Jan 1970/)])
    expect(await row(id)).toBeUndefined()
    expect(browser.cookies.has('pgsid')).toBe(false)
  })

  it('a login followed by redirect() sets the new cookie on the redirect, and the next request is signed in', async () => {
    const browser = new Browser()
    const anonymous = await serve(browser, (_req, _ctx, session) => {
      session.set('count', 1)
      return new Response('ok')
    })
    const { res, id } = await serve(browser, async (_req, _ctx, session) => {
      await session.regenerate()
      session.set('userId', 'grace')
      permanentRedirect('/account')
    })
    expect(res.status).toBe(308)
    expect(res.headers.get('location')).toBe('/account')
    expect(res.headers.getSetCookie()).toEqual([expect.stringMatching(/^pgsid=[^;]+; Path=\/; .*HttpOnly/)])
    expect(id).not.toBe(anonymous.id)
    expect(await row(anonymous.id)).toBeUndefined()
    expect(await row(id)).toEqual({ userId: 'grace', count: 1 })
    expect(await (await serve(browser, whoami)).res.json()).toEqual({ userId: 'grace', count: 1 })
  })

  it('a first write followed by redirect() creates the session and its cookie', async () => {
    const browser = new Browser()
    const { res, id } = await serve(browser, (_req, _ctx, session) => {
      session.set('userId', 'linus')
      redirect('/')
    })
    expect(res.status).toBe(307)
    expect(await row(id)).toEqual({ userId: 'linus' })
    expect(await (await serve(browser, whoami)).res.json()).toEqual({ userId: 'linus', count: null })
  })

  it('notFound() after a write commits it; the cookie goes to cookies(), which Next 16 leaves off a 404', async () => {
    const { browser, id } = await loggedIn()
    const { res, cookies } = await serve(browser, (_req, _ctx, session) => {
      session.set('count', 5)
      notFound()
    })
    expect(res.status).toBe(404)
    expect(await row(id)).toEqual({ userId: 'ada', count: 5 })
    expect(cookies.get('pgsid')?.value).toBe(browser.cookies.get('pgsid'))
    // Next answers an access fallback in a route handler with a bare status (see the README).
    expect(res.headers.getSetCookie()).toEqual([])
    expect(await (await serve(browser, whoami)).res.json()).toEqual({ userId: 'ada', count: 5 })
  })

  it('forbidden() and unauthorized() commit too', async () => {
    vi.stubEnv('__NEXT_EXPERIMENTAL_AUTH_INTERRUPTS', 'true')
    const { browser, id } = await loggedIn()
    expect(
      (
        await serve(browser, (_req, _ctx, session) => {
          session.set('count', 403)
          forbidden()
        })
      ).res.status,
    ).toBe(403)
    expect(await row(id)).toEqual({ userId: 'ada', count: 403 })
    expect(
      (
        await serve(browser, (_req, _ctx, session) => {
          session.unset('userId')
          unauthorized()
        })
      ).res.status,
    ).toBe(401)
    expect(await row(id)).toEqual({ count: 403 })
  })

  it('rethrows the very object Next threw, after committing', async () => {
    const { browser, id } = await loggedIn()
    const thrown: unknown[] = []
    const route = sessions.withSession((_req, _ctx, session) => {
      session.unset('userId')
      try {
        redirect('/login')
      } catch (err) {
        thrown.push(err)
        throw err
      }
    })
    current = MutableRequestCookiesAdapter.wrap(
      new RequestCookies(new Headers()),
    ) as unknown as NextCookieStore
    const request = new Request('http://app.test/route', { headers: { cookie: browser.header() } })
    const rejected = await route(request, undefined).catch((err: unknown) => err)
    expect(thrown).toHaveLength(1)
    expect(rejected).toBe(thrown[0])
    expect(await row(id)).toEqual({})

    // The same for the bare shapes Next's isRedirectError / isHTTPAccessFallbackError accept.
    for (const digest of ['NEXT_REDIRECT;replace;/login;307;', 'NEXT_HTTP_ERROR_FALLBACK;404']) {
      const err = Object.assign(new Error(digest), { digest })
      const shaped = sessions.withSession((_req, _ctx, session) => {
        session.set('count', digest.length)
        throw err
      })
      await expect(shaped(request, undefined)).rejects.toBe(err)
      expect((await row(id))!.count).toBe(digest.length)
    }
  })

  it('other errors, bailouts included, are rethrown unchanged with nothing committed and cookies() untouched', async () => {
    const { browser, id } = await loggedIn()
    const request = () => new Request('http://app.test/route', { headers: { cookie: browser.header() } })
    const calls = cookiesCalls
    const errors = [
      new Error('handler failed'),
      Object.assign(new Error('Dynamic server usage'), { digest: 'DYNAMIC_SERVER_USAGE' }),
      Object.assign(new Error('postponed'), { $$typeof: Symbol.for('react.postpone') }),
      Object.assign(new Error('not ours'), { digest: 'NEXT_REDIRECTED_ELSEWHERE' }),
      new Error('wrapped', { cause: Object.assign(new Error(), { digest: 'NEXT_REDIRECT;replace;/;307;' }) }),
    ]
    for (const err of errors) {
      const route = sessions.withSession((_req, _ctx, session) => {
        session.set('count', 99)
        throw err
      })
      await expect(route(request(), undefined)).rejects.toBe(err)
    }
    expect(await row(id)).toEqual({ userId: 'ada' })
    expect(cookiesCalls).toBe(calls)
  })

  it('a commit that fails replaces the redirect, so a failed write never looks like success', async () => {
    const small = new PgStore({ db: db.db, table: db.table, prune: false, maxBytes: 256 })
    const tight = bindSessions<Data>(
      { store: small, secrets: [SECRET] },
      { cookies: async () => current!, cache: (fn) => fn },
    )
    current = MutableRequestCookiesAdapter.wrap(
      new RequestCookies(new Headers()),
    ) as unknown as NextCookieStore
    const route = tight.withSession((_req, _ctx, session) => {
      session.set('blob', 'x'.repeat(1_000))
      redirect('/')
    })
    // The failed commit answers core's status for it (413), never the redirect.
    const response = await route(new Request('http://app.test/route'), undefined)
    expect(response.status).toBe(413)
    expect(response.headers.get('location')).toBeNull()
    expect(response.headers.get('set-cookie')).toBeNull()
    await small.close()
  })
})
