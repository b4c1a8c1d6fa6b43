/**
 * A fetch-style request lifecycle for any web-standard server (Bun.serve, Deno.serve, Hono, a Next route
 * handler): load the session from the request's cookies, run the handler, commit the session (save when
 * modified, touch when rolling) and add its `Set-Cookie` lines to the response.
 *
 * @example
 * ```ts
 * const sessions = createRequestSessions<{ views?: number }>({ store, secrets })
 * export default {
 *   fetch: (request: Request) =>
 *     handle(sessions, request, (session) => {
 *       session.set('views', (session.get('views') ?? 0) + 1)
 *       return Response.json({ views: session.get('views') })
 *     }),
 * }
 * ```
 */
import type { SessionData } from '../store/types'
import { createHeaderCookieJar } from './cookie-header'
import type { RequestSessions } from './request-sessions'
import type { Session } from './session'

export interface HandleOptions {
  /** A named session (its cookie is `${cookieName}-${name}`). @default the default session */
  name?: string
}

/** Runs `handler` with the request's session and returns its response with the session's cookies set. */
export async function handle<TData extends object = SessionData>(
  sessions: RequestSessions<TData>,
  request: Request,
  handler: (session: Session<TData>) => Response | Promise<Response>,
  options: HandleOptions = {},
): Promise<Response> {
  const jar = createHeaderCookieJar(request.headers.get('cookie'))
  const session = await sessions.load(jar, options.name)
  const response = await handler(session)
  await session.commit()
  return withSetCookies(response, jar.setCookieHeaders())
}

/**
 * Adds Set-Cookie lines to a Response. A Response with immutable headers (Response.redirect, a fetch()
 * result) is copied first, so the cookie is never dropped.
 */
export function withSetCookies(response: Response, lines: readonly string[]): Response {
  if (lines.length === 0) return response
  try {
    for (const line of lines) response.headers.append('set-cookie', line)
    return response
  } catch {
    const copy = new Response(response.body, response)
    for (const line of lines) copy.headers.append('set-cookie', line)
    return copy
  }
}
