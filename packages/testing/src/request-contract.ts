/**
 * The request-session contract, written once: what a browser sees of any adapter that owns its cookie
 * (the web core's `handle`, @pgstore/next, and the web-standard bindings to come). Each adapter serves four
 * routes over its own API and maps them onto {@link RequestTarget}; probes read the table directly.
 *
 * Routes: `count` adds 1 to `views` and answers `{ views }`; `login` sets `user` to `'alice'` and regenerates;
 * `whoami` answers `{ user }` (null when anonymous) and changes nothing; `logout` destroys the session.
 */
import type { Session } from '@pgstore/core/web'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect } from 'vitest'
import { createTestDatabase, type DbKind, type TestDatabase } from './database'
import { digest } from './digest'
import { namedCases } from './opt-out'

export type RequestRoute = 'count' | 'login' | 'whoami' | 'logout'

/** The session data the contract routes keep. */
export type ContractData = { views?: number; user?: string }

export interface RequestReply {
  status: number
  body: Record<string, unknown>
  /** Every Set-Cookie line of the response. */
  setCookie: string[]
}

export interface RequestTarget {
  /** Serves `route` with `cookie` as the request's Cookie header. */
  send(route: RequestRoute, cookie?: string): Promise<RequestReply>
  close(): Promise<void>
}

/** Builds the target over the test table (`db.db`, `db.table`), with `createTable: true`, `prune: false`. */
export type RequestTargetFactory = (db: TestDatabase) => Promise<RequestTarget>

const REQUEST_CASES = [
  'cookie-on-write',
  'anonymous-read',
  'tampered',
  'login-regenerates',
  'logout',
  'duplicates',
] as const
export type RequestCase = (typeof REQUEST_CASES)[number]

/** The test table, schema-qualified, for raw probes. */
const qualified = (db: TestDatabase) => `"${db.schema}"."${getTableConfig(db.table).name}"`

/** `name=value` of the first Set-Cookie line, as a browser sends it back. */
const pairOf = (reply: RequestReply) => reply.setCookie[0]?.split(';')[0]

export function describeRequestSessionConformance(
  label: string,
  kind: DbKind,
  factory: RequestTargetFactory,
  options: { optOut?: Partial<Record<RequestCase, string>> } = {},
): void {
  const optOut = options.optOut ?? {}
  describe(`request-session conformance: ${label} on ${kind}`, () => {
    let db: TestDatabase
    let target: RequestTarget
    const test = namedCases(REQUEST_CASES, optOut)
    const rows = async () =>
      (await db.query<{ n: number }>(`select count(*)::int as n from ${qualified(db)}`))[0]!.n

    beforeAll(async () => {
      db = await createTestDatabase(kind)
      target = await factory(db)
    })
    afterAll(async () => {
      await target?.close()
      await db?.close()
    })

    test(
      'cookie-on-write',
      'sets a signed, httpOnly cookie on the first write and reads it back',
      async () => {
        const first = await target.send('count')
        expect(first.body).toEqual({ views: 1 })
        expect(first.setCookie[0]).toMatch(/HttpOnly/i)
        expect(first.setCookie[0]).toMatch(/SameSite=Lax/i)
        const second = await target.send('count', pairOf(first))
        expect(second.body).toEqual({ views: 2 })
      },
    )

    test('anonymous-read', 'writes no row and sends no cookie for a read without a session', async () => {
      const before = await rows()
      const reply = await target.send('whoami')
      expect(reply.body).toEqual({ user: null })
      expect(reply.setCookie).toEqual([])
      expect(await rows()).toBe(before)
    })

    test('tampered', 'answers a tampered cookie with a fresh session, never an error', async () => {
      const pair = pairOf(await target.send('login'))!
      const at = pair.indexOf('=') + 5
      const flipped = `${pair.slice(0, at)}${pair[at] === 'A' ? 'B' : 'A'}${pair.slice(at + 1)}`
      const reply = await target.send('whoami', flipped)
      expect(reply.status).toBe(200)
      expect(reply.body).toEqual({ user: null })
    })

    test('login-regenerates', 'gives a new id on login; the id from before logs nobody in', async () => {
      const anonymous = pairOf(await target.send('count'))!
      const login = await target.send('login', anonymous)
      const after = pairOf(login)!
      expect(after).not.toBe(anonymous)
      expect((await target.send('whoami', after)).body).toEqual({ user: 'alice' })
      expect((await target.send('whoami', anonymous)).body).toEqual({ user: null })
      const sid = decodeURIComponent(anonymous.slice(anonymous.indexOf('=') + 1)).split('.')[0]!
      const old = await db.query(`select 1 from ${qualified(db)} where id = $1`, [digest(sid)])
      expect(old, 'the pre-login row is gone').toHaveLength(0)
    })

    test('logout', 'deletes the row on logout and expires the cookie', async () => {
      const pair = pairOf(await target.send('login'))!
      const before = await rows()
      const reply = await target.send('logout', pair)
      expect(reply.setCookie[0]).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i)
      expect(await rows()).toBe(before - 1)
      expect((await target.send('whoami', pair)).body).toEqual({ user: null })
    })

    test(
      'duplicates',
      'with one cookie name sent twice, uses the one session that verifies; two sessions give anonymous',
      async () => {
        const real = pairOf(await target.send('login'))!
        const name = real.slice(0, real.indexOf('='))
        const forged = `${name}=${'A'.repeat(43)}.${'B'.repeat(43)}`
        for (const cookie of [
          `${name}=garbage; ${real}`,
          `${real}; ${name}=garbage`,
          `${forged}; ${real}`,
          `${real}; ${forged}`,
        ]) {
          const reply = await target.send('whoami', cookie)
          expect(reply.status, cookie).toBe(200)
          expect(reply.body, cookie).toEqual({ user: 'alice' })
        }
        const other = pairOf(await target.send('count'))!
        for (const cookie of [`${other}; ${real}`, `${real}; ${other}`]) {
          const reply = await target.send('whoami', cookie)
          expect(reply.status, cookie).toBe(200)
          expect(reply.body, cookie).toEqual({ user: null })
        }
      },
    )
  })
}

/** The routes over a fetch-style handler: how a web-standard adapter maps the contract onto its own API. */
export function fetchTarget(
  serve: (request: Request, route: RequestRoute) => Promise<Response>,
  close: () => Promise<void>,
): RequestTarget {
  return {
    async send(route, cookie) {
      const headers = cookie ? { cookie } : undefined
      const response = await serve(
        new Request(`http://app.test/${route}`, { method: 'POST', headers }),
        route,
      )
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
        setCookie: response.headers.getSetCookie(),
      }
    },
    close,
  }
}

/** The four contract routes over a Session: what every adapter's own routes do through its API. */
export async function serveContractRoute(
  session: Session<ContractData>,
  route: RequestRoute,
): Promise<Response> {
  if (route === 'count') session.set('views', (session.get('views') ?? 0) + 1)
  if (route === 'login') {
    session.set('user', 'alice')
    await session.regenerate()
  }
  if (route === 'logout') await session.destroy()
  return Response.json(
    route === 'count' ? { views: session.get('views') } : { user: session.get('user') ?? null },
  )
}
