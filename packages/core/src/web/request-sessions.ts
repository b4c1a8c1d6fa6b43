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
import type { SessionData } from '../store/types'
import {
  invalid,
  isObject,
  type RequestSessionOptions,
  resolveRequestOptions,
  type SessionCookieJar,
  TOKEN,
} from './options'
import { Session } from './session'

/** What {@link createRequestSessions} returns. */
export interface RequestSessions<TData extends object = SessionData> {
  /** The default cookie name, and the one of each named session. */
  cookieNameFor(name?: string): string
  /** Reads, verifies and loads the session. Cookie trouble gives a new empty session; DB errors throw. */
  load(jar: SessionCookieJar, name?: string): Promise<Session<TData>>
  /**
   * True when `value` is a well-signed session id for the cookie of the default session, or of the named
   * session `name`: a cookie signed for another name does not verify. No database access: the row may be
   * gone.
   */
  verifyCookie(value: string | undefined | null, name?: string): boolean
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
  const sidOf = (cookieName: string, value: string | undefined | null): string | null => {
    const sid = unsignCookieValue(cookieName, value, config.secrets)
    return isSessionId(sid) ? sid : null
  }
  return {
    store: config.store,
    cookieNameFor,
    verifyCookie: (value, name) => sidOf(cookieNameFor(name), value) !== null,
    async load(jar, name) {
      const cookieName = cookieNameFor(name)
      const sid = sidOf(cookieName, jar.get(cookieName))
      const record = sid ? await config.store.getRecord(sid) : null
      const row = record && isObject(record.data) ? record.data : null
      return new Session<TData>(config, jar, cookieName, row ? sid : null, row)
    },
  }
}
