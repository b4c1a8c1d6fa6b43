/**
 * Cookie headers without a framework: parse a `Cookie` request header, serialise a `Set-Cookie` line, and a
 * jar over both for fetch-style handlers.
 *
 * @example
 * ```ts
 * const jar = createHeaderCookieJar(request.headers.get('cookie'))
 * jar.get('pgsid')
 * for (const line of jar.setCookieHeaders()) response.headers.append('set-cookie', line)
 * ```
 */
import { TOKEN } from '../signing'
import {
  assertCookieDomain,
  assertCookiePath,
  assertSameSite,
  invalid,
  type SessionCookieAttributes,
  type SessionCookieJar,
} from './options'

/**
 * `Set-Cookie` header value for a cookie. The value is percent-encoded; every other part is checked, since
 * it goes into the line as it is: the name is a token, path and domain pass the rules of the cookie
 * options, sameSite is one of three, maxAge a finite number and expires a valid date. The flags (httpOnly,
 * secure, partitioned) only ever add their own name.
 * @throws PgStoreError `INVALID_OPTIONS` for anything that could add or break an attribute
 */
export function serializeSetCookie(name: string, value: string, a: SessionCookieAttributes): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) invalid('a cookie name must be a cookie token.')
  assertCookiePath(a.path)
  if (a.domain !== undefined && a.domain !== '') assertCookieDomain(a.domain)
  assertSameSite(a.sameSite)
  if (typeof a.maxAge !== 'number' || !Number.isFinite(a.maxAge))
    invalid('maxAge must be a number of seconds.')
  const expires = a.maxAge > 0 ? a.expires : new Date(0)
  if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) invalid('expires must be a valid Date.')
  let out = `${name}=${encodeURIComponent(String(value))}; Path=${a.path}`
  if (a.domain) out += `; Domain=${a.domain}`
  out += `; Max-Age=${Math.floor(a.maxAge)}; Expires=${expires.toUTCString()}`
  if (a.httpOnly) out += '; HttpOnly'
  if (a.secure) out += '; Secure'
  out += `; SameSite=${a.sameSite[0]!.toUpperCase()}${a.sameSite.slice(1)}`
  if (a.partitioned) out += '; Partitioned'
  return out
}

/**
 * Every cookie of a `Cookie` request header, each name with all the values sent under it, in header order.
 * A browser sends every cookie that matches the request, so one name can come several times (another
 * Path or Domain): a session cookie must be looked for among all of them, never the first or the last only.
 */
export function parseCookieHeaderAll(header: string | null | undefined): Map<string, string[]> {
  const cookies = new Map<string, string[]>()
  if (!header) return cookies
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    if (!name) continue
    let value = part.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1)
    try {
      value = decodeURIComponent(value)
    } catch {
      // Kept as sent: a value that is not percent-encoding is still a value.
    }
    const values = cookies.get(name)
    if (values) values.push(value)
    else cookies.set(name, [value])
  }
  return cookies
}

/**
 * Cookies from a `Cookie` request header, one value a name: the first of two same-named cookies wins, as
 * in browsers' order. Request sessions do not use it for their cookie: they verify every value sent under
 * the name ({@link parseCookieHeaderAll}, {@link SessionCookieJar.getAll}).
 */
export function parseCookieHeader(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const [name, values] of parseCookieHeaderAll(header)) cookies.set(name, values[0]!)
  return cookies
}

/** A jar over a `Cookie` header that collects what to send back as `Set-Cookie` (one line per name). */
export interface HeaderCookieJar extends SessionCookieJar {
  setCookieHeaders(): string[]
}

/**
 * A jar over a `Cookie` header. `get` gives the first value sent under a name, `getAll` every one in header
 * order (what request sessions verify); after a `set` both give the value set, after a `delete` nothing.
 */
export function createHeaderCookieJar(cookieHeader: string | null | undefined): HeaderCookieJar {
  const incoming = parseCookieHeaderAll(cookieHeader)
  const outgoing = new Map<string, string>()
  return {
    get: (name) => incoming.get(name)?.[0],
    getAll: (name) => [...(incoming.get(name) ?? [])],
    set(name, value, attributes) {
      outgoing.set(name, serializeSetCookie(name, value, attributes))
      incoming.set(name, [value])
    },
    delete(name, attributes) {
      outgoing.set(name, serializeSetCookie(name, '', { ...attributes, maxAge: 0 }))
      incoming.delete(name)
    },
    setCookieHeaders: () => [...outgoing.values()],
  }
}
