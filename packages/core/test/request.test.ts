import { isPgStoreError, newSessionId, PgStore, PgStoreError, signCookieValue } from '@pgstore/core'
import { DEFAULT_COOKIE_NAME, defaultCookieName } from '@pgstore/core/adapter'
import {
  createHeaderCookieJar,
  createRequestSessions,
  type HeaderCookieJar,
  parseCookieHeader,
  parseCookieHeaderAll,
  type RequestSessions,
  SESSION_META_KEY,
  type Session,
  type SessionCookieJar,
  type SessionCookieOptions,
  serializeSetCookie,
} from '@pgstore/core/web'
import { type DbKind, digest, useTestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'

interface Data {
  userId?: string
  count?: number
  cart?: string[]
}

const SECRET = 'request-test-secret-0123456789-abcdef'
const OLD_SECRET = 'request-test-old-secret-0123456789-xyz'

/** The value of `name` in the jar's Set-Cookie lines, with its attributes. */
function cookieLine(jar: HeaderCookieJar, name = 'pgsid'): string {
  const line = jar.setCookieHeaders().find((l) => l.startsWith(`${name}=`))
  expect(line, `no Set-Cookie for ${name}`).toBeDefined()
  return line!
}
const cookieValue = (line: string) => decodeURIComponent(line.slice(line.indexOf('=') + 1, line.indexOf(';')))

/** The next request's Cookie header, as a browser would send it back. */
function nextRequest(jar: HeaderCookieJar, name = 'pgsid'): HeaderCookieJar {
  return createHeaderCookieJar(`${name}=${cookieValue(cookieLine(jar, name))}`)
}

function readOnlyJar(cookieHeader: string | null): SessionCookieJar {
  const inner = createHeaderCookieJar(cookieHeader)
  const refuse = () => {
    throw new PgStoreError(
      'READ_ONLY',
      'pgstore: cookies can only be written in a server action or route handler.',
    )
  }
  return { get: inner.get, set: refuse, delete: refuse }
}

describe.each<DbKind>(['pg', 'pglite'])('request sessions on %s', (kind) => {
  const db = useTestDatabase(kind)
  let store: PgStore
  let sessions: RequestSessions<Data>
  const row = async (sid: string) =>
    (
      await db.query<{ data: Record<string, unknown>; expires_at: Date }>(
        `select data, expires_at from ${db.sessions} where id = $1`,
        [digest(sid)],
      )
    )[0]

  async function saved(fill: (s: Session<Data>) => void | Promise<void>): Promise<HeaderCookieJar> {
    const jar = createHeaderCookieJar(null)
    const s = await sessions.load(jar)
    await fill(s)
    await s.save()
    return jar
  }

  beforeAll(async () => {
    store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false, maxBytes: 4096 })
    sessions = createRequestSessions<Data>({ store, secrets: [SECRET] })
    await store.length() // creates the table, so probes can read it before the first save
  })
  afterAll(async () => {
    await store.close()
  })

  it('gives a new empty session without a cookie, and writes nothing until save', async () => {
    const jar = createHeaderCookieJar(null)
    const s = await sessions.load(jar)
    expect(s.isNew).toBe(true)
    expect(s.data).toEqual({})
    expect(s.modified).toBe(false)
    expect(jar.setCookieHeaders()).toEqual([])
    expect(await row(s.id)).toBeUndefined()
  })

  it('saves the row under the digest and a signed cookie with the default attributes', async () => {
    const jar = createHeaderCookieJar(null)
    const s = await sessions.load(jar)
    s.set('userId', 'u1')
    expect(s.modified).toBe(true)
    await s.save()
    expect(s.modified).toBe(false)
    expect(s.isNew).toBe(false)
    const line = cookieLine(jar)
    expect(cookieValue(line)).toBe(signCookieValue('pgsid', s.id, [SECRET]))
    expect(line).toContain('; Path=/')
    expect(line).toContain('; HttpOnly')
    expect(line).toContain('; SameSite=Lax')
    expect(line).toContain('; Max-Age=1209600')
    expect(line).not.toContain('Secure')
    expect((await row(s.id))!.data).toEqual({ userId: 'u1' })
  })

  it('loads the saved session on the next request, with its data typed', async () => {
    const first = await saved((s) => {
      s.set('count', 2)
      s.data.cart = ['apple']
    })
    const again = await sessions.load(nextRequest(first))
    expect(again.isNew).toBe(false)
    expect(again.get('count')).toBe(2)
    expect(again.data).toEqual({ count: 2, cart: ['apple'] })
    expect(again.modified).toBe(false)
    expectTypeOf(again.get('count')).toEqualTypeOf<number | undefined>()
    expectTypeOf(again.data).toEqualTypeOf<Partial<Data>>()
    // @ts-expect-error: not a key of Data
    again.get('nope')
    // @ts-expect-error: count is a number
    again.set('count', 'three')
  })

  it('counts direct changes to data and unset as modified', async () => {
    const jar = await saved((s) => s.set('count', 1))
    const a = await sessions.load(nextRequest(jar))
    a.data.count = 5
    expect(a.modified).toBe(true)
    const b = await sessions.load(nextRequest(jar))
    b.unset('count')
    expect(b.modified).toBe(true)
    await b.save()
    expect((await row(b.id))!.data).toEqual({})
  })

  it('gives a new empty session, never an error, for a tampered, unknown, expired or oversized cookie', async () => {
    const jar = await saved((s) => s.set('userId', 'victim'))
    const good = cookieValue(cookieLine(jar))
    const [sid] = good.split('.') as [string]
    await db.query(`update ${db.sessions} set expires_at = now() - interval '1 minute'`, [])
    const expiredSid = sid
    const live = await saved((s) => s.set('userId', 'live'))
    const liveValue = cookieValue(cookieLine(live))
    const liveSid = liveValue.split('.')[0]!
    const unknownSid = newSessionId()
    const cases: Record<string, string> = {
      tampered: `${liveSid.slice(0, -1)}${liveSid.endsWith('A') ? 'B' : 'A'}.${liveValue.split('.')[1]}`,
      'tampered mac': `${liveSid}.${'A'.repeat(43)}`,
      unsigned: liveSid,
      unknown: signCookieValue('pgsid', unknownSid, [SECRET]),
      expired: good,
      oversized: `${liveValue}${'x'.repeat(5000)}`,
      garbage: '%%%;;;\u0000',
      'other secret': signCookieValue('pgsid', liveSid, ['some-other-secret-0123456789-abcdefgh']),
    }
    for (const [label, value] of Object.entries(cases)) {
      const s = await sessions.load(createHeaderCookieJar(`pgsid=${encodeURIComponent(value)}`))
      expect(s.isNew, label).toBe(true)
      expect(s.data, label).toEqual({})
      expect([liveSid, unknownSid, expiredSid], `${label}: a client-chosen id was kept`).not.toContain(s.id)
    }
    expect((await sessions.load(nextRequest(live))).get('userId')).toBe('live')
  })

  it('duplicate cookie names: the one id whose signature verifies, in either order; two ids give anonymous', async () => {
    const real = cookieValue(cookieLine(await saved((s) => s.set('userId', 'real'))))
    const other = cookieValue(cookieLine(await saved((s) => s.set('userId', 'other'))))
    const forged = signCookieValue('pgsid', newSessionId(), ['some-other-secret-0123456789-abcdefgh'])
    const ids = [real, other].map((v) => v.split('.')[0])
    for (const header of [
      `pgsid=garbage; pgsid=${real}`,
      `pgsid=${real}; pgsid=garbage`,
      `pgsid=${forged}; pgsid=${real}`,
      `pgsid=${real}; pgsid=${forged}`,
      `pgsid=${real}; pgsid=${real}`,
      `pgsid-cart=${other}; pgsid=${real}`,
    ]) {
      const jar = createHeaderCookieJar(header)
      expect((await sessions.load(jar)).get('userId'), header).toBe('real')
      expect(sessions.verifyCookie(jar.getAll!('pgsid')), header).toBe(true)
    }
    for (const header of [`pgsid=${real}; pgsid=${other}`, `pgsid=${other}; pgsid=garbage; pgsid=${real}`]) {
      const jar = createHeaderCookieJar(header)
      const s = await sessions.load(jar)
      expect(s.isNew, header).toBe(true)
      expect(s.data, header).toEqual({})
      expect(ids, header).not.toContain(s.id)
      expect(sessions.verifyCookie(jar.getAll!('pgsid')), header).toBe(false)
    }
  })

  it('verifies with every secret in the rotation list and re-signs with the first on save', async () => {
    const oldSessions = createRequestSessions<Data>({ store, secrets: [OLD_SECRET] })
    const oldJar = createHeaderCookieJar(null)
    const s = await oldSessions.load(oldJar)
    s.set('userId', 'rotating')
    await s.save()
    const rotated = createRequestSessions<Data>({ store, secrets: [SECRET, OLD_SECRET] })
    const jar = nextRequest(oldJar)
    const again = await rotated.load(jar)
    expect(again.get('userId')).toBe('rotating')
    await again.save()
    expect(cookieValue(cookieLine(jar))).toBe(signCookieValue('pgsid', again.id, [SECRET]))
    expect(rotated.verifyCookie(cookieValue(cookieLine(oldJar)))).toBe(true)
    expect(sessions.verifyCookie(cookieValue(cookieLine(oldJar)))).toBe(false)
  })

  it('returns flashes once, across requests, and keeps other flashes', async () => {
    const jar = await saved((s) => {
      s.flash('notice', 'Welcome back')
      s.flash('notice', 'Second')
      s.flash('error', { code: 1 })
    })
    const r2 = await sessions.load(nextRequest(jar))
    expect(r2.data).toEqual({})
    expect(r2.flashes('notice')).toEqual(['Welcome back', 'Second'])
    expect(r2.flashes('notice')).toEqual([])
    expect(r2.modified).toBe(true)
    await r2.save()
    const r3 = await sessions.load(nextRequest(jar))
    expect(r3.flashes('notice')).toEqual([])
    expect(r3.flashes<{ code: number }>('error')).toEqual([{ code: 1 }])
    await r3.save()
    expect((await row(r3.id))!.data).toEqual({})
  })

  it('regenerate moves the data to a new id, removes the old row and re-sets the cookie', async () => {
    const jar = await saved((s) => s.set('cart', ['pear']))
    const before = await sessions.load(nextRequest(jar))
    const oldId = before.id
    const next = nextRequest(jar)
    const s = await sessions.load(next)
    s.set('userId', 'u42')
    await s.regenerate()
    expect(s.id).not.toBe(oldId)
    expect(await row(oldId)).toBeUndefined()
    expect((await row(s.id))!.data).toEqual({ cart: ['pear'], userId: 'u42' })
    expect(cookieValue(cookieLine(next))).toBe(signCookieValue('pgsid', s.id, [SECRET]))
    expect((await sessions.load(nextRequest(jar))).isNew, 'the old cookie still opens a session').toBe(true)
  })

  it('regenerate on a new session saves it', async () => {
    const jar = createHeaderCookieJar(null)
    const s = await sessions.load(jar)
    s.set('userId', 'fresh')
    await s.regenerate()
    expect((await sessions.load(nextRequest(jar))).get('userId')).toBe('fresh')
  })

  it('destroy deletes the row and the cookie and leaves a new empty session', async () => {
    const jar = await saved((s) => s.set('userId', 'bye'))
    const next = nextRequest(jar)
    const s = await sessions.load(next)
    const oldId = s.id
    await s.destroy()
    expect(await row(oldId)).toBeUndefined()
    const line = cookieLine(next)
    expect(cookieValue(line)).toBe('')
    expect(line).toContain('Max-Age=0')
    expect(s.isNew).toBe(true)
    expect(s.id).not.toBe(oldId)
    expect(s.data).toEqual({})
    expect(s.modified).toBe(false)
  })

  it('keeps a per-session maxAge for cookie and row, and across requests', async () => {
    const jar = await saved((s) => {
      s.maxAge = 60
    })
    expect(cookieLine(jar)).toContain('Max-Age=60;')
    const next = await sessions.load(nextRequest(jar))
    expect(next.maxAge).toBe(60)
    expect(next.data).toEqual({})
    const expires = (await row(next.id))!.expires_at.getTime()
    expect(expires).toBeGreaterThan(Date.now() + 30_000)
    expect(expires).toBeLessThan(Date.now() + 120_000)
    expect(() => {
      next.maxAge = -1
    }).toThrow(/maxAge/)
    next.maxAge = 1_209_600
    await next.save()
    expect((await row(next.id))!.data).toEqual({})
  })

  it('writes nothing when the jar refuses cookie writes, and says so', async () => {
    const jar = await saved((s) => s.set('count', 1))
    const header = `pgsid=${cookieValue(cookieLine(jar))}`
    const s = await sessions.load(readOnlyJar(header))
    expect(s.get('count')).toBe(1)
    s.set('count', 99)
    for (const write of [() => s.save(), () => s.regenerate(), () => s.destroy()]) {
      const err = await write().catch((e: unknown) => e)
      expect(isPgStoreError(err, 'READ_ONLY')).toBe(true)
    }
    expect((await row(s.id))!.data).toEqual({ count: 1 })
  })

  it('keeps named sessions in separate cookies and rows', async () => {
    const jar = createHeaderCookieJar(null)
    const main = await sessions.load(jar)
    const cart = await sessions.load(jar, 'cart')
    main.set('userId', 'u1')
    cart.set('cart', ['a'])
    await main.save()
    await cart.save()
    expect(main.id).not.toBe(cart.id)
    const header = jar
      .setCookieHeaders()
      .map((l) => l.slice(0, l.indexOf(';')))
      .join('; ')
    expect(header).toMatch(/^pgsid=.+; pgsid-cart=.+$/)
    const next = createHeaderCookieJar(header)
    expect((await sessions.load(next)).data).toEqual({ userId: 'u1' })
    expect((await sessions.load(next, 'cart')).data).toEqual({ cart: ['a'] })
    await expect(sessions.load(next, 'bad name')).rejects.toThrow(/cookie token/)
  })

  it('refuses oversized data with SESSION_TOO_LARGE, with no id or data in the message', async () => {
    const jar = createHeaderCookieJar(null)
    const s = await sessions.load(jar)
    s.set('userId', `secret-${'x'.repeat(5000)}`)
    const err = (await s.save().catch((e: unknown) => e)) as Error
    expect(isPgStoreError(err, 'SESSION_TOO_LARGE')).toBe(true)
    expect(err.message).not.toContain(s.id)
    expect(err.message).not.toContain('secret-')
    expect(await row(s.id)).toBeUndefined()
  })

  it('touch extends a saved session (row and cookie), is throttled by touchAfter, and skips new sessions', async () => {
    const eager = new PgStore({ db: db.db, table: db.table, prune: false, touchAfter: 0 })
    const lazy = new PgStore({ db: db.db, table: db.table, prune: false, touchAfter: 60_000 })
    try {
      const fresh = await createRequestSessions<Data>({ store: eager, secrets: [SECRET] }).load(
        createHeaderCookieJar(null),
      )
      expect(await fresh.touch()).toBe(false)

      const first = createHeaderCookieJar(null)
      const s = await createRequestSessions<Data>({ store: eager, secrets: [SECRET], maxAge: 7_200 }).load(
        first,
      )
      s.set('count', 5)
      await s.save()
      await db.query(`update ${db.sessions} set expires_at = now() + interval '1 minute' where id = $1`, [
        digest(s.id),
      ])
      const jar = nextRequest(first)
      const again = await createRequestSessions<Data>({
        store: eager,
        secrets: [SECRET],
        maxAge: 7_200,
      }).load(jar)
      expect(await again.touch()).toBe(true)
      expect(cookieLine(jar)).toMatch(/Max-Age=7200/)
      expect((await row(s.id))!.expires_at.getTime()).toBeGreaterThan(Date.now() + 7_000_000)
      expect((await row(s.id))!.data).toMatchObject({ count: 5 })

      const throttledJar = nextRequest(first)
      const throttled = await createRequestSessions<Data>({ store: lazy, secrets: [SECRET] }).load(
        throttledJar,
      )
      expect(await throttled.touch()).toBe(false)
      expect(throttledJar.setCookieHeaders()).toEqual([])
    } finally {
      await eager.close()
      await lazy.close()
    }
  })

  it('resendCookie sends the cookie again without touching the row, and clears it for a new session', async () => {
    const fresh = createHeaderCookieJar('pgsid=stale')
    const rowsBefore = (await db.query(`select 1 from ${db.sessions}`)).length
    expect((await sessions.load(fresh)).resendCookie()).toBe(false)
    expect(cookieLine(fresh)).toMatch(/^pgsid=; .*Max-Age=0/)
    expect(await db.query(`select 1 from ${db.sessions}`)).toHaveLength(rowsBefore)

    const first = await saved((s) => s.set('count', 1))
    const before = (await row((await sessions.load(nextRequest(first))).id))!
    const jar = nextRequest(first)
    const s = await sessions.load(jar)
    expect(s.resendCookie()).toBe(true)
    expect(cookieValue(cookieLine(jar))).toBe(cookieValue(cookieLine(first)))
    expect(cookieLine(jar)).toMatch(/Max-Age=1209600/)
    const after = (await row(s.id))!
    expect(after.expires_at).toEqual(before.expires_at)
  })

  it('reserves the meta key in the row and hides it from data', async () => {
    const jar = await saved((s) => s.flash('k', 1))
    const id = (await sessions.load(nextRequest(jar))).id
    expect((await row(id))!.data).toEqual({ [SESSION_META_KEY]: { flash: { k: [1] } } })
  })
})

describe('request session options and cookie helpers', () => {
  const store = new PgStore({ connectionString: 'postgres://unused@127.0.0.1:1/none', prune: false })
  afterAll(() => store.close())

  it('refuses bad options with INVALID_OPTIONS and messages that do not echo secrets', () => {
    const bad = [
      { store, secrets: ['short'] },
      { store, secrets: [] },
      { store, secrets: [SECRET], cookieName: 'bad name' },
      { store, secrets: [SECRET], cookie: { sameSite: 'none' as const, secure: false } },
      { store, secrets: [SECRET], cookie: { partitioned: true, secure: false } },
      { store, secrets: [SECRET], maxAge: 0 },
      { store: undefined as unknown as PgStore, secrets: [SECRET] },
    ]
    for (const options of bad) {
      let err: unknown
      try {
        createRequestSessions(options)
      } catch (e) {
        err = e
      }
      expect(isPgStoreError(err, 'INVALID_OPTIONS'), JSON.stringify(options.cookie ?? null)).toBe(true)
      expect((err as Error).message).not.toContain(SECRET)
    }
  })

  it('makes SameSite=None and Partitioned cookies Secure, and Secure in production', async () => {
    const none = createRequestSessions({
      store,
      secrets: [SECRET],
      cookie: { sameSite: 'none', partitioned: true },
    })
    const noneJar = createHeaderCookieJar(null)
    const s = await none.load(noneJar)
    // save() writes the cookie before the store, so the line is there even though this store is unreachable.
    await s.save().catch(() => undefined)
    // Secure with Path=/ and no Domain: the default name takes the __Host- prefix.
    const line = cookieLine(noneJar, '__Host-pgsid')
    expect(line).toContain('; Secure')
    expect(line).toContain('; SameSite=None')
    expect(line).toContain('; Partitioned')
    const env = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    try {
      const prodJar = createHeaderCookieJar(null)
      const p = await createRequestSessions({
        store,
        secrets: [SECRET],
        cookie: { domain: 'example.com' },
      }).load(prodJar)
      await p.save().catch(() => undefined)
      expect(cookieLine(prodJar)).toContain('; Secure')
      expect(cookieLine(prodJar)).toContain('; Domain=example.com')
    } finally {
      process.env.NODE_ENV = env
    }
  })

  /** Runs `work` with NODE_ENV set to `env`, restoring it after. */
  function withEnv<T>(env: string | undefined, work: () => T): T {
    const before = process.env.NODE_ENV
    if (env === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = env
    try {
      return work()
    } finally {
      if (before === undefined) delete process.env.NODE_ENV
      else process.env.NODE_ENV = before
    }
  }

  it('names the cookie __Host-pgsid when it is Secure with Path=/ and no Domain, pgsid otherwise', () => {
    const cases: Array<[string, string, SessionCookieOptions]> = [
      ['production', '__Host-pgsid', {}],
      ['production', '__Host-pgsid', { sameSite: 'strict', httpOnly: false }],
      ['production', 'pgsid', { domain: 'example.com' }],
      ['production', 'pgsid', { path: '/app' }],
      ['production', 'pgsid', { secure: false }],
      ['development', 'pgsid', {}],
      ['development', '__Host-pgsid', { secure: true }],
      ['development', '__Host-pgsid', { sameSite: 'none' }],
      ['development', '__Host-pgsid', { partitioned: true }],
      ['development', 'pgsid', { secure: true, domain: 'example.com' }],
    ]
    for (const [env, name, cookie] of cases) {
      const label = `${env} ${JSON.stringify(cookie)}`
      withEnv(env, () => {
        const s = createRequestSessions({ store, secrets: [SECRET], cookie })
        expect(s.cookieNameFor(), label).toBe(name)
        expect(s.cookieNameFor('cart'), label).toBe(`${name}-cart`)
        expect(defaultCookieName(cookie), label).toBe(name)
      })
    }
    expect(DEFAULT_COOKIE_NAME).toBe('pgsid')
  })

  it('writes the __Host- cookie Secure, with Path=/ and no Domain, and reads it back', async () => {
    const jar = createHeaderCookieJar(null)
    const prod = withEnv('production', () => createRequestSessions({ store, secrets: [SECRET] }))
    const s = await prod.load(jar)
    await s.save().catch(() => undefined)
    const line = cookieLine(jar, '__Host-pgsid')
    expect(line).toMatch(/^__Host-pgsid=[^;]+; Path=\/; /)
    expect(line).toContain('; Secure')
    expect(line).not.toContain('Domain')
    expect(prod.verifyCookie(cookieValue(line))).toBe(true)
  })

  it('keeps a given cookieName, and refuses __Host- and __Secure- names a browser would drop', () => {
    const make =
      (cookieName: string, cookie: SessionCookieOptions = {}) =>
      () =>
        createRequestSessions({ store, secrets: [SECRET], cookieName, cookie })
    const refused = (fn: () => unknown, pattern: RegExp) => {
      let err: unknown
      try {
        fn()
      } catch (e) {
        err = e
      }
      expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
      expect((err as Error).message).toMatch(pattern)
    }
    withEnv('production', () => {
      expect(make('sid')().cookieNameFor()).toBe('sid')
      expect(make('sid')().cookieNameFor('x')).toBe('sid-x')
      expect(make('__Host-app')().cookieNameFor('x')).toBe('__Host-app-x')
      expect(make('__Secure-app', { domain: 'example.com' })().cookieNameFor()).toBe('__Secure-app')
      refused(make('__Host-app', { domain: 'example.com' }), /__Host-.*path '\/' and no cookie\.domain/)
      refused(make('__Host-app', { path: '/app' }), /__Host-/)
      refused(make('__Host-app', { secure: false }), /__Host-.*cookie\.secure/)
      refused(make('__HOST-app', { secure: false }), /__Host-/)
      refused(make('__Secure-app', { secure: false }), /__Secure-.*cookie\.secure/)
      refused(make('__secure-app', { secure: false }), /__Secure-/)
    })
    withEnv('development', () => {
      expect(make('pgsid')().cookieNameFor()).toBe('pgsid')
      refused(make('__Host-app'), /__Host-/)
      refused(make('__Secure-app'), /__Secure-/)
      expect(make('__Host-app', { secure: true })().cookieNameFor()).toBe('__Host-app')
      expect(make('__Secure-app', { secure: true })().cookieNameFor()).toBe('__Secure-app')
    })
  })

  it('serialises and parses cookie headers', () => {
    const line = serializeSetCookie('a', 'x y', {
      path: '/app',
      sameSite: 'strict',
      secure: true,
      httpOnly: false,
      partitioned: false,
      maxAge: 0,
      expires: new Date(),
    })
    expect(line).toBe(
      'a=x%20y; Path=/app; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; SameSite=Strict',
    )
    const parsed = parseCookieHeader('a=1; b="two"; a=3; c=%E2%9C%93; d=%zz; =bad; e')
    expect([...parsed]).toEqual([
      ['a', '1'],
      ['b', 'two'],
      ['c', '✓'],
      ['d', '%zz'],
    ])
    expect(parseCookieHeader(null).size).toBe(0)
    expect([...parseCookieHeaderAll('a=1; b="two"; a=3; c=%E2%9C%93; a=%zz; =bad; e')]).toEqual([
      ['a', ['1', '3', '%zz']],
      ['b', ['two']],
      ['c', ['✓']],
    ])
    const jar = createHeaderCookieJar('a=1; b=2; a=3')
    expect(jar.get('a')).toBe('1')
    expect(jar.getAll!('a')).toEqual(['1', '3'])
    expect(jar.getAll!('missing')).toEqual([])
    const attributes = {
      path: '/',
      sameSite: 'lax' as const,
      secure: false,
      httpOnly: true,
      partitioned: false,
      maxAge: 60,
      expires: new Date(),
    }
    jar.set('a', 'new', attributes)
    expect(jar.getAll!('a')).toEqual(['new'])
    jar.delete('a', attributes)
    expect(jar.getAll!('a')).toEqual([])
    expect(jar.get('a')).toBeUndefined()
  })
})
