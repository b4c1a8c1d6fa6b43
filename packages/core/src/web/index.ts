/**
 * `@pgstore/core/web`: request sessions for any framework, over a PgStore. A framework adapter supplies a
 * {@link SessionCookieJar} over its cookies; a web-standard server can use {@link handle} as it is.
 *
 * @example
 * ```ts
 * import { createRequestSessions, handle } from '@pgstore/core/web'
 * const sessions = createRequestSessions({ store, secrets: [process.env.SESSION_SECRET!] })
 * const server = (request: Request) => handle(sessions, request, (session) => new Response(session.id ? 'ok' : ''))
 * ```
 */
export {
  createHeaderCookieJar,
  type HeaderCookieJar,
  parseCookieHeader,
  parseCookieHeaderAll,
  serializeSetCookie,
} from './cookie-header'
export {
  type HandleOptions,
  handle,
  type RequestMetadata,
  requestMetadata,
  withSetCookies,
} from './handle'
export {
  type RequestSessionOptions,
  SESSION_META_KEY,
  type SessionCookieAttributes,
  type SessionCookieJar,
  type SessionCookieOptions,
} from './options'
export { createRequestSessions, type LoadOptions, type RequestSessions } from './request-sessions'
export { Session } from './session'
