/**
 * Cookie attributes cannot be injected through options: a path like `'/; Domain=evil.com'` or a domain
 * holding ';' is refused with INVALID_OPTIONS, and whatever is accepted gives a Set-Cookie line that a
 * browser parses (RFC 6265 section 5.2) back to exactly the attributes given, none added. The serializer
 * checks every part it writes as it is.
 */
import { isPgStoreError, PgStore } from '@pgstore/core'
import {
  createHeaderCookieJar,
  createRequestSessions,
  type RequestSessions,
  type SessionCookieAttributes,
  serializeSetCookie,
} from '@pgstore/core/web'
import { useTestDatabase } from '@pgstore/testing'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SECRET = 'cookie-attributes-secret-0123456789-abc'

/** A Set-Cookie line as a browser reads it: the pair, then each attribute name (lower case) and value. */
function parseSetCookie(line: string) {
  const [pair, ...parts] = line.split(';')
  const eq = pair!.indexOf('=')
  const attributes = parts.map((part) => {
    const at = part.indexOf('=')
    const name = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase()
    return [name, at < 0 ? '' : part.slice(at + 1).trim()] as const
  })
  return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), attributes }
}

/** What the line must hold, in order: the given path and domain, and pgstore's own attributes only. */
function expectExactly(line: string, path: string, domain: string | undefined, secure: boolean) {
  const parsed = parseSetCookie(line)
  const names = parsed.attributes.map(([n]) => n)
  expect(names).toEqual([
    'path',
    ...(domain ? ['domain'] : []),
    'max-age',
    'expires',
    'httponly',
    ...(secure ? ['secure'] : []),
    'samesite',
  ])
  const value = (n: string) => parsed.attributes.find(([name]) => name === n)![1]
  expect(value('path')).toBe(path)
  if (domain) expect(value('domain')).toBe(domain)
  expect(value('samesite')).toBe('Lax')
  return parsed
}

const isInvalidOptions = (fn: () => unknown): boolean => {
  try {
    fn()
    return false
  } catch (err) {
    if (!isPgStoreError(err, 'INVALID_OPTIONS')) throw err
    return true
  }
}

/** Hostile characters: attribute separators, whitespace, controls, quotes, '=' and non-ASCII. */
const hostile = fc.constantFrom(
  ';',
  ',',
  ' ',
  '\t',
  '\r',
  '\n',
  '\0',
  '\x7f',
  '=',
  '"',
  '\\',
  'é',
  '日',
  '🙂',
)
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/)
/** Paths: random text, valid-looking paths, and valid paths with one hostile character or attribute spliced in. */
const paths = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/),
  fc
    .tuple(fc.stringMatching(/^\/[a-z0-9/._~-]{0,20}$/), hostile, fc.string({ maxLength: 20 }))
    .map(([p, h, rest]) => `${p}${h}${rest}`),
  fc.constantFrom('/; Domain=evil.com', '/;Secure', '/, x=1', '/\r\nSet-Cookie: x=1', '/a b', 'a/b', ''),
  fc.constant('/'.repeat(1025)),
)
/** Domains: random text, host names, and host names with one hostile character or attribute spliced in. */
const domains = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')),
  fc
    .tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 3 }))
    .map(([dot, labels]) => `${dot ? '.' : ''}${labels.join('.')}`),
  fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), hostile, fc.string({ maxLength: 20 }))
    .map(([labels, h, rest]) => `${labels.join('.')}${h}${rest}`),
  fc.constantFrom(
    'example.com; Secure',
    'evil.com; Path=/admin',
    'a..b',
    '-a.com',
    'a-.com',
    '.',
    'a.',
    '_x.com',
  ),
)

describe('cookie path and domain options', () => {
  const db = useTestDatabase('pg')
  let store: PgStore
  let accepted = 0

  beforeAll(async () => {
    store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    await store.length()
  })
  afterAll(async () => {
    await store.close()
  })

  it('refuses the injections the issue names, with a message that says what is allowed', () => {
    const make = (cookie: { path?: string; domain?: string }) => () =>
      createRequestSessions({ store, secrets: [SECRET], cookie })
    for (const path of ['/; Domain=evil.com', 'app', '/a;b', '/a,b', '/a b', '/a\nb', '/é']) {
      expect(make({ path }), path).toThrow(/cookie\.path must start with '\/'.*without spaces, ';' or ','/)
    }
    for (const domain of ['evil.com; Secure', 'a b.com', 'a,b.com', 'a_b.com', '..com', 'é.com', 'x.com.']) {
      expect(make({ domain }), domain).toThrow(/cookie\.domain must be a host name: labels of letters/)
    }
    expect(isInvalidOptions(make({ path: '/; Domain=evil.com' }))).toBe(true)
    expect(make({ path: '/app', domain: '.example.com' })().cookieNameFor()).toBe('pgsid')
    // An empty domain stays "no domain".
    expect(isInvalidOptions(make({ domain: '' }))).toBe(false)
  })

  it('property: random path and domain give INVALID_OPTIONS or a Set-Cookie with exactly those attributes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(paths, { nil: undefined }),
        fc.option(domains, { nil: undefined }),
        async (path, domain) => {
          const cookie = { path, domain }
          let sessions: RequestSessions<{ n?: number }> | undefined
          const make = () => {
            sessions = createRequestSessions<{ n?: number }>({ store, secrets: [SECRET], cookie })
          }
          if (isInvalidOptions(make)) return
          accepted++
          const jar = createHeaderCookieJar(null)
          const s = await sessions!.load(jar)
          s.set('n', 1)
          await s.save()
          const lines = jar.setCookieHeaders()
          expect(lines).toHaveLength(1)
          const parsed = expectExactly(lines[0]!, path ?? '/', domain || undefined, false)
          expect(parsed.name).toBe('pgsid')
          expect(sessions!.verifyCookie(decodeURIComponent(parsed.value))).toBe(true)
        },
      ),
      { numRuns: 1_500 },
    )
    // The generators reach both sides.
    expect(accepted).toBeGreaterThan(100)
    expect(accepted).toBeLessThan(1_400)
  })
})

describe('serializeSetCookie', () => {
  const base: SessionCookieAttributes = {
    path: '/',
    sameSite: 'lax',
    secure: true,
    httpOnly: true,
    partitioned: false,
    maxAge: 60,
    expires: new Date(Date.now() + 60_000),
  }

  it('property: checks every part it writes as is; what it writes parses back exactly', () => {
    const names = fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/))
    fc.assert(
      fc.property(
        names,
        fc.string({ maxLength: 60 }),
        paths,
        fc.option(domains, { nil: undefined }),
        (name, value, path, domain) => {
          const attributes = { ...base, path, ...(domain === undefined ? {} : { domain }) }
          let line = ''
          if (isInvalidOptions(() => (line = serializeSetCookie(name, value, attributes)))) return
          const parsed = expectExactly(line, path, domain || undefined, true)
          expect(parsed.name).toBe(name)
          expect(decodeURIComponent(parsed.value)).toBe(value)
        },
      ),
      { numRuns: 3_000 },
    )
  })

  it('refuses a sameSite, maxAge or expires that would write something else', () => {
    for (const bad of [
      { sameSite: 'lax; Domain=evil.com' },
      { sameSite: 'Lax' },
      { maxAge: Number.NaN },
      { maxAge: Number.POSITIVE_INFINITY },
      { maxAge: '60; Secure' },
      { expires: new Date(Number.NaN) },
    ]) {
      const attributes = { ...base, ...bad } as unknown as SessionCookieAttributes
      expect(
        isInvalidOptions(() => serializeSetCookie('pgsid', 'v', attributes)),
        JSON.stringify(bad),
      ).toBe(true)
    }
    expect(isInvalidOptions(() => serializeSetCookie('pg sid', 'v', base))).toBe(true)
    expect(serializeSetCookie('pgsid', 'a;b c', { ...base, maxAge: 0 })).toBe(
      'pgsid=a%3Bb%20c; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax',
    )
  })
})
