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
import type { SessionCookieAttributes, SessionCookieJar } from './options'

/** `Set-Cookie` header value for a cookie. */
export function serializeSetCookie(name: string, value: string, a: SessionCookieAttributes): string {
  let out = `${name}=${encodeURIComponent(value)}; Path=${a.path}`
  if (a.domain) out += `; Domain=${a.domain}`
  out += `; Max-Age=${Math.floor(a.maxAge)}; Expires=${(a.maxAge > 0 ? a.expires : new Date(0)).toUTCString()}`
  if (a.httpOnly) out += '; HttpOnly'
  if (a.secure) out += '; Secure'
  out += `; SameSite=${a.sameSite[0]!.toUpperCase()}${a.sameSite.slice(1)}`
  if (a.partitioned) out += '; Partitioned'
  return out
}

/** Cookies from a `Cookie` request header. The first of two same-named cookies wins, as in browsers' order. */
export function parseCookieHeader(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  if (!header) return cookies
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    if (!name || cookies.has(name)) continue
    let value = part.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1)
    try {
      cookies.set(name, decodeURIComponent(value))
    } catch {
      cookies.set(name, value)
    }
  }
  return cookies
}

/** A jar over a `Cookie` header that collects what to send back as `Set-Cookie` (one line per name). */
export interface HeaderCookieJar extends SessionCookieJar {
  setCookieHeaders(): string[]
}

export function createHeaderCookieJar(cookieHeader: string | null | undefined): HeaderCookieJar {
  const incoming = parseCookieHeader(cookieHeader)
  const outgoing = new Map<string, string>()
  return {
    get: (name) => incoming.get(name),
    set(name, value, attributes) {
      outgoing.set(name, serializeSetCookie(name, value, attributes))
      incoming.set(name, value)
    },
    delete(name, attributes) {
      outgoing.set(name, serializeSetCookie(name, '', { ...attributes, maxAge: 0 }))
      incoming.delete(name)
    },
    setCookieHeaders: () => [...outgoing.values()],
  }
}
