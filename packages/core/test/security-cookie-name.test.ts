/**
 * The signature binds the cookie's name: the MAC covers `${name}=${value}`, so a value signed for one
 * cookie (`pgsid-admin`, a named session) does not verify under another (`pgsid`), in the codec and through
 * request sessions. Cookies signed over the id alone, as before, are refused: they give a new anonymous
 * session.
 */
import { createHmac } from 'node:crypto'
import { isPgStoreError, newSessionId, PgStore, signCookieValue, unsignCookieValue } from '@pgstore/core'
import { createHeaderCookieJar, createRequestSessions, type RequestSessions } from '@pgstore/core/web'
import { useTestDatabase } from '@pgstore/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SECRETS = ['name-binding-secret-0123456789-abcdef', 'name-binding-old-secret-0123456789-xyz']
const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
/** Any cookie name: an RFC 9110 token. */
const token = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 40 })
/** Any value the codec signs: unicode, and values holding '=', '.' and ';'. */
const value = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }),
  fc.string({ unit: fc.constantFrom('a', '=', '.', ';', '-', '_'), minLength: 1, maxLength: 40 }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('base64url')),
)
/** Names a near miss of `name` would use: a named session, a prefix, another case, one character more. */
const nearNames = (name: string) =>
  [
    `${name}-admin`,
    `${name}x`,
    name.slice(0, -1),
    name.toUpperCase(),
    name.toLowerCase(),
    `__Host-${name}`,
  ].filter((n) => n !== name && n.length > 0)
/** The cookie the codec wrote before the name was bound in: HMAC-SHA256 over the value alone. */
const oldForm = (sid: string, secret: string) =>
  `${sid}.${createHmac('sha256', secret).update(sid).digest('base64url')}`

describe('the cookie signature binds the cookie name', () => {
  it('property: a value signed for a name verifies under that name, and under no other', () => {
    fc.assert(
      fc.property(token, token, value, (name, other, v) => {
        const signed = signCookieValue(name, v, SECRETS)
        expect(unsignCookieValue(name, signed, SECRETS)).toBe(v)
        expect(unsignCookieValue(name, signed, [SECRETS[1]!, SECRETS[0]!])).toBe(v)
        for (const wrong of [other, ...nearNames(name)]) {
          if (wrong === name) continue
          expect(unsignCookieValue(wrong, signed, SECRETS), `${name} read as ${wrong}`).toBeNull()
        }
      }),
      { numRuns: 5_000 },
    )
  })

  it('property: a name that is not a cookie token is refused by sign (INVALID_OPTIONS) and by unsign (null)', () => {
    const notToken = fc
      .oneof(
        fc.string({ maxLength: 30 }),
        token.map((t) => `${t}=`),
        token.map((t) => `${t}; x`),
      )
      .filter((s) => !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(s))
    fc.assert(
      fc.property(notToken, value, (name, v) => {
        let err: unknown
        try {
          signCookieValue(name, v, SECRETS)
        } catch (e) {
          err = e
        }
        expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
        // `a=b` + `c` and `a` + `b=c` would be one MAC input; a name never holds '=', so neither verifies.
        const [head, ...rest] = name.split('=')
        if (head && rest.length > 0 && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(head)) {
          const signed = signCookieValue(head, `${rest.join('=')}=${v}`, SECRETS)
          expect(unsignCookieValue(name, signed, SECRETS)).toBeNull()
        }
        expect(unsignCookieValue(name, signCookieValue('pgsid', v, SECRETS), SECRETS)).toBeNull()
      }),
      { numRuns: 2_000 },
    )
    for (const bad of [undefined, null, 42, {}]) {
      expect(
        unsignCookieValue(bad as unknown as string, signCookieValue('pgsid', 'v', SECRETS), SECRETS),
      ).toBeNull()
    }
  })

  it('refuses cookies signed over the id alone (the old form), under every secret', () => {
    for (let i = 0; i < 200; i++) {
      const sid = newSessionId()
      for (const secret of SECRETS) {
        for (const name of ['pgsid', 'pgsid-admin', '__Host-pgsid']) {
          expect(unsignCookieValue(name, oldForm(sid, secret), SECRETS)).toBeNull()
        }
      }
    }
  })
})

describe('request sessions: a cookie opens only the session it was issued for', () => {
  const db = useTestDatabase('pg')
  let store: PgStore
  let sessions: RequestSessions<{ role?: string }>
  const SECRET = SECRETS[0]!

  beforeAll(async () => {
    store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    sessions = createRequestSessions({ store, secrets: [SECRET] })
    await store.length()
  })
  afterAll(async () => {
    await store.close()
  })

  /** Saves `role` into the session `name` and returns its cookie's value and id. */
  async function issue(role: string, name?: string) {
    const jar = createHeaderCookieJar(null)
    const s = await sessions.load(jar, name)
    s.set('role', role)
    await s.save()
    const line = jar.setCookieHeaders()[0]!
    const pair = line.slice(0, line.indexOf(';'))
    expect(pair.slice(0, pair.indexOf('='))).toBe(sessions.cookieNameFor(name))
    return { value: decodeURIComponent(pair.slice(pair.indexOf('=') + 1)), id: s.id }
  }

  it('a named session cookie (pgsid-admin) moved under the default name (pgsid) gives a new anonymous session', async () => {
    const admin = await issue('admin', 'admin')
    const user = await issue('user')
    const moved = await sessions.load(createHeaderCookieJar(`pgsid=${admin.value}`))
    expect(moved.isNew).toBe(true)
    expect(moved.data).toEqual({})
    expect(moved.id).not.toBe(admin.id)
    const back = await sessions.load(createHeaderCookieJar(`pgsid-admin=${user.value}`), 'admin')
    expect(back.isNew).toBe(true)
    expect(back.id).not.toBe(user.id)
    const other = await sessions.load(createHeaderCookieJar(`pgsid-cart=${admin.value}`), 'cart')
    expect(other.isNew).toBe(true)
    // Under their own names, both open.
    expect((await sessions.load(createHeaderCookieJar(`pgsid-admin=${admin.value}`), 'admin')).data).toEqual({
      role: 'admin',
    })
    expect((await sessions.load(createHeaderCookieJar(`pgsid=${user.value}`))).data).toEqual({ role: 'user' })
    expect(sessions.verifyCookie(admin.value, 'admin')).toBe(true)
    expect(sessions.verifyCookie(admin.value)).toBe(false)
    expect(sessions.verifyCookie(user.value)).toBe(true)
    expect(sessions.verifyCookie(user.value, 'admin')).toBe(false)
  })

  it('a live session whose cookie was signed the old way (id alone) gives a new anonymous session', async () => {
    const live = await issue('user')
    const s = await sessions.load(createHeaderCookieJar(`pgsid=${oldForm(live.id, SECRET)}`))
    expect(s.isNew).toBe(true)
    expect(s.data).toEqual({})
    expect(s.id).not.toBe(live.id)
    expect(sessions.verifyCookie(oldForm(live.id, SECRET))).toBe(false)
  })
})
