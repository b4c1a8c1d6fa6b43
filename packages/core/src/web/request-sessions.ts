/**
 * Request-level sessions, framework-free: read the session cookie, verify its signature, load the row, hand
 * out a {@link Session}, and on save write the row and the signed cookie. An adapter (@pgstore/next) only
 * supplies a {@link SessionCookieJar} over its framework's cookies.
 *
 * @example
 * ```ts
 * const sessions = createRequestSessions<{ userId?: string }>({ store, secrets: [process.env.SESSION_SECRET!] })
 * const jar = createHeaderCookieJar(request.headers.get('cookie'))
 * const session = await sessions.load(jar)
 * session.set('userId', 'u1')
 * await session.save()
 * for (const line of jar.setCookieHeaders()) response.headers.append('set-cookie', line)
 * ```
 *
 * A tampered, unknown, expired or oversized cookie gives a new empty session, never an error. A new session
 * never reuses the id the client sent, so a planted id cannot be fixed onto a victim.
 */
import { isSessionId, unsignCookieValue } from '../signing'
import type { PgStore } from '../store/pg-store'
import type { SessionData, SessionMeta } from '../store/types'
import {
  invalid,
  isObject,
  type RequestSessionOptions,
  resolveRequestOptions,
  type SessionCookieJar,
  TOKEN,
} from './options'
import { Session } from './session'

/** What {@link RequestSessions.load} takes besides the jar and the name. */
export interface LoadOptions {
  /** The request's metadata, kept with the session when it is created. */
  meta?: SessionMeta | null
}

/** What {@link createRequestSessions} returns. */
export interface RequestSessions<TData extends object = SessionData> {
  /** The default cookie name, and the one of each named session. */
  cookieNameFor(name?: string): string
  /**
   * Reads, verifies and loads the session. Cookie trouble gives a new empty session; DB errors throw.
   * Duplicates: every value the jar holds under the cookie's name is verified (`getAll`), and the session
   * is the one id whose signature verifies; none, or two that verify with different ids, is anonymous.
   *
   * `meta` (the request's IP and user agent) is recorded if this session is created (saved while new, or
   * regenerated), for device lists; a loaded session's is left as it was.
   */
  load(jar: SessionCookieJar, name?: string, options?: LoadOptions): Promise<Session<TData>>
  /**
   * True when `value` (or, for a cookie sent several times, the values) holds a well-signed session id for
   * the cookie of the default session, or of the named session `name`, by the rule `load` uses: one id
   * verifies. A cookie signed for another name does not. No database access: the row may be gone.
   */
  verifyCookie(value: string | readonly string[] | undefined | null, name?: string): boolean
  readonly store: PgStore<TData>
}

export function createRequestSessions<TData extends object = SessionData>(
  options: RequestSessionOptions<TData>,
): RequestSessions<TData> {
  const config = resolveRequestOptions(options)
  const cookieNameFor = (name?: string): string => {
    if (name === undefined || name === '') return config.cookieName
    if (!TOKEN.test(name)) invalid('a session name must be a cookie token (letters, digits, !#$%&*+-.^_`|~).')
    return `${config.cookieName}-${name}`
  }
  const sidOf = (cookieName: string, value: string | readonly string[] | undefined | null) =>
    sessionIdFrom(cookieName, typeof value === 'string' || !value ? [value] : value, config.secrets)
  return {
    store: config.store,
    cookieNameFor,
    verifyCookie: (value, name) => sidOf(cookieNameFor(name), value) !== null,
    async load(jar, name, loadOptions) {
      const cookieName = cookieNameFor(name)
      const sid = sidOf(cookieName, jar.getAll ? jar.getAll(cookieName) : jar.get(cookieName))
      const record = sid ? await config.store.getRecord(sid) : null
      const row = record && isObject(record.data) ? record.data : null
      return new Session<TData>(config, jar, cookieName, row ? sid : null, row, loadOptions?.meta ?? null)
    },
  }
}

/**
 * The session id among the values sent under one cookie name. A browser sends every cookie that matches the
 * request, ordered by Path length and then age, so a cookie planted with a broader Domain or a longer Path
 * (from a sibling subdomain, or over plain http) arrives beside the real one, before or after it. The rule:
 * every value is verified; the id of the ones whose signature verifies is the session when there is exactly
 * one such id; none, or several different ones, give an anonymous session. Garbage planted first cannot
 * shadow the real cookie, and a planted validly signed cookie (the attacker's own session) cannot replace
 * it either: it makes the request anonymous.
 */
function sessionIdFrom(
  cookieName: string,
  values: readonly (string | undefined | null)[],
  secrets: readonly string[],
): string | null {
  let found: string | null = null
  for (const value of values) {
    const sid = unsignCookieValue(cookieName, value, secrets)
    if (!isSessionId(sid) || sid === found) continue
    if (found !== null) return null
    found = sid
  }
  return found
}
