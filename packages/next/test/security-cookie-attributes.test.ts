/**
 * Through Next's own cookie serializer: a path or domain that could add an attribute is refused with
 * INVALID_OPTIONS when the sessions are created, and an accepted one gives a Set-Cookie line that parses
 * back (RFC 6265 section 5.2) to exactly the attributes given, none added.
 */
import { isPgStoreError, PgStore } from '@pgstore/core'
import { useTestDatabase } from '@pgstore/testing'
import fc from 'fast-check'
import { MutableRequestCookiesAdapter } from 'next/dist/server/web/spec-extension/adapters/request-cookies'
import { RequestCookies } from 'next/dist/server/web/spec-extension/cookies'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NextCookieStore } from '../src/cookies'
import { bindSessions, type Sessions } from '../src/sessions'

const SECRET = 'next-cookie-attributes-secret-0123456789'

function parseSetCookie(line: string) {
  const [pair, ...parts] = line.split(';')
  const attributes = new Map<string, string>()
  for (const part of parts) {
    const at = part.indexOf('=')
    const name = (at < 0 ? part : part.slice(0, at)).trim().toLowerCase()
    expect(attributes.has(name), `${name} twice in ${line}`).toBe(false)
    attributes.set(name, at < 0 ? '' : part.slice(at + 1).trim())
  }
  return { name: pair!.slice(0, pair!.indexOf('=')).trim(), attributes }
}

const hostile = fc.constantFrom(';', ',', ' ', '\t', '\r', '\n', '\0', '=', '"', 'é', '🙂')
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/)
const paths = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/),
  fc
    .tuple(fc.stringMatching(/^\/[a-z0-9/._~-]{0,20}$/), hostile, fc.string({ maxLength: 20 }))
    .map(([p, h, rest]) => `${p}${h}${rest}`),
  fc.constantFrom('/; Domain=evil.com', '/;Secure', '/, x=1'),
)
const domains = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc
    .tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 4 }))
    .map(([dot, labels]) => `${dot ? '.' : ''}${labels.join('.')}`),
  fc
    .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), hostile, fc.string({ maxLength: 20 }))
    .map(([labels, h, rest]) => `${labels.join('.')}${h}${rest}`),
  fc.constantFrom('example.com; Secure', 'evil.com; Path=/admin'),
)

describe('@pgstore/next cookie path and domain', () => {
  const db = useTestDatabase('pg')
  let store: PgStore
  let current: NextCookieStore
  let accepted = 0

  beforeAll(async () => {
    store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    await store.length()
  })
  afterAll(async () => {
    await store.close()
  })

  it('property: INVALID_OPTIONS, or a Set-Cookie from Next with exactly the given attributes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(paths, { nil: undefined }),
        fc.option(domains, { nil: undefined }),
        async (path, domain) => {
          let sessions: Sessions<{ n?: number }>
          try {
            sessions = bindSessions(
              { store, secrets: [SECRET], cookie: { path, domain } },
              { cookies: async () => current, cache: (fn) => fn },
            )
          } catch (err) {
            expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
            return
          }
          accepted++
          const lines: string[][] = []
          current = MutableRequestCookiesAdapter.wrap(new RequestCookies(new Headers()), (l) =>
            lines.push(l),
          ) as unknown as NextCookieStore
          const s = await sessions.getSession()
          s.set('n', 1)
          await s.save()
          const set = lines.at(-1)!
          expect(set).toHaveLength(1)
          const parsed = parseSetCookie(set[0]!)
          expect(parsed.name).toBe('pgsid')
          expect([...parsed.attributes.keys()].sort()).toEqual(
            ['path', 'expires', 'max-age', ...(domain ? ['domain'] : []), 'httponly', 'samesite'].sort(),
          )
          expect(parsed.attributes.get('path')).toBe(path ?? '/')
          if (domain) expect(parsed.attributes.get('domain')).toBe(domain)
          expect(parsed.attributes.get('samesite')).toBe('lax')
          expect(parsed.attributes.get('max-age')).toBe('1209600')
        },
      ),
      { numRuns: 600 },
    )
    expect(accepted).toBeGreaterThan(50)
  })

  it('writes Max-Age as whole seconds, as browsers read it, for a fractional session maxAge', async () => {
    const sessions = bindSessions<{ n?: number }>(
      { store, secrets: [SECRET] },
      { cookies: async () => current, cache: (fn) => fn },
    )
    const lines: string[][] = []
    current = MutableRequestCookiesAdapter.wrap(new RequestCookies(new Headers()), (l) =>
      lines.push(l),
    ) as unknown as NextCookieStore
    const s = await sessions.getSession()
    s.maxAge = 90.7
    await s.save()
    expect(parseSetCookie(lines.at(-1)![0]!).attributes.get('max-age')).toBe('90')
  })
})
