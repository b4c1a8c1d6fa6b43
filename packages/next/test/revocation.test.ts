/**
 * Races an attacker would try, through withSession route handlers: a request that loaded the session is
 * still running when the session is revoked (log out everywhere, a logout in another tab, a login that
 * regenerates the id). When it ends and withSession saves, the revoked session must not come back.
 */
import { PgStore } from '@pgstore/core'
import { type DbKind, gate, useTestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bindSessions, type Sessions } from '../src/sessions'

interface Data {
  userId?: string
  count?: number
}

const SECRET = 'next-revocation-secret-0123456789abcdef'

/** The Cookie header a browser sends after `res` (an empty value deletes). */
function cookieAfter(res: Response, previous = ''): string {
  const jar = new Map(
    previous
      .split('; ')
      .filter(Boolean)
      .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const),
  )
  for (const line of res.headers.getSetCookie()) {
    const pair = line.slice(0, line.indexOf(';'))
    const eq = pair.indexOf('=')
    if (pair.slice(eq + 1) === '') jar.delete(pair.slice(0, eq))
    else jar.set(pair.slice(0, eq), pair.slice(eq + 1))
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
}

describe.each<DbKind>(['pg', 'pglite'])('next: a revoked session stays revoked on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  let store: PgStore<Data>
  let sessions: Sessions<Data>
  let held = gate()
  let route: (request: Request, context: object) => Promise<Response>

  beforeAll(() => {
    store = new PgStore<Data>({ db: db.db, table: db.table, prune: false, userId: (d) => d.userId })
    sessions = bindSessions<Data>(
      { store, secrets: [SECRET] },
      {
        cookies: async () => {
          throw new Error('route handlers here read the request, not cookies()')
        },
        cache: (fn) => fn,
      },
    )
    route = sessions.withSession(async (request, _ctx, session) => {
      const path = new URL(request.url).pathname
      if (path.startsWith('/login/')) {
        session.set('userId', path.slice('/login/'.length))
        await session.regenerate()
      } else if (path === '/slow') {
        held.entered()
        await held.open
        session.set('count', (session.get('count') ?? 0) + 1)
      } else if (path === '/logout') {
        await session.destroy()
      }
      return Response.json({ userId: session.get('userId') ?? null, count: session.get('count') ?? null })
    }) as typeof route
  })
  afterAll(async () => {
    await store.close()
  })

  const call = (path: string, cookie = '') =>
    route(new Request(`http://app.test${path}`, { method: 'POST', headers: { cookie } }), {})

  async function login(user: string): Promise<string> {
    return cookieAfter(await call(`/login/${user}`))
  }

  /** Starts a slow write with `cookie`, runs `revoke` while it is in flight, then lets it finish. */
  async function racing(cookie: string, revoke: () => Promise<unknown>): Promise<void> {
    held = gate()
    const slow = call('/slow', cookie)
    await held.inside
    await revoke()
    held.release()
    expect((await slow).status).toBe(200)
  }

  const userRows = (user: string) =>
    db.query<{ id: string }>(`select id from ${db.sessions} where user_id = $1`, [user])
  const whoami = async (cookie: string) =>
    (await (await call('/whoami', cookie)).json()) as { userId: string | null; count: number | null }

  it('destroyByUser while a write is in flight: the old cookie is anonymous afterwards', async () => {
    const alice = await login('alice')
    await racing(alice, () => store.destroyByUser('alice'))
    expect(await whoami(alice)).toEqual({ userId: null, count: null })
    expect(await userRows('alice')).toEqual([])
  })

  it('a logout in another tab while a write is in flight stays a logout', async () => {
    const bob = await login('bob')
    await racing(bob, () => call('/logout', bob))
    expect(await whoami(bob)).toEqual({ userId: null, count: null })
    expect(await userRows('bob')).toEqual([])
  })

  it('regenerate while an old-id write is in flight leaves only the new id', async () => {
    const carol = await login('carol')
    let fresh = ''
    await racing(carol, async () => {
      fresh = cookieAfter(await call('/login/carol', carol))
    })
    expect((await whoami(carol)).userId).toBeNull()
    expect((await whoami(fresh)).userId).toBe('carol')
    const sid = (await store.listByUser('carol')).map((e) => e.digest)
    expect(sid).toHaveLength(1)
    expect(await userRows('carol')).toEqual([{ id: sid[0] }])
  })

  it('a session that was not revoked is saved by the same slow route', async () => {
    const dave = await login('dave')
    await racing(dave, async () => undefined)
    expect(await whoami(dave)).toEqual({ userId: 'dave', count: 1 })
  })
})
