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
 *
 * A handler that throws fails the request with nothing committed, except for what `controlFlow.is` marks
 * as the framework's way of answering (Next's `redirect()`): that is committed first, then rethrown.
 */
import type { SessionData, SessionMeta } from '../store/types'
import { createHeaderCookieJar } from './cookie-header'
import type { SessionCookieJar } from './options'
import type { RequestSessions } from './request-sessions'
import type { Session } from './session'

export interface HandleOptions {
  /** A named session (its cookie is `${cookieName}-${name}`). @default the default session */
  name?: string
  /**
   * For frameworks whose handlers throw to answer (Next's `redirect()` and `notFound()`). When `is` is true
   * for what the handler threw, the session is committed as if the handler had returned (a logout before a
   * redirect is saved), the request's cookie writes are replayed into `jar()` (the cookies of the response
   * the framework builds for the error), and the same error is rethrown. A failed commit throws its own
   * error instead. Anything else thrown is rethrown with nothing committed.
   */
  controlFlow?: {
    is(err: unknown): boolean
    jar(): SessionCookieJar | Promise<SessionCookieJar>
  }
  /**
   * What a session this request creates records about it, for device lists: by default the `User-Agent`
   * header; `false` records nothing. A `Request` carries no client address, so to record one return `ip`
   * from your server (Bun's `server.requestIP(request)`, Deno's `info.remoteAddr`) or from a proxy header
   * you trust.
   * @default (request) => ({ userAgent: request.headers.get('user-agent') })
   */
  metadata?: RequestMetadata
}

/** What a session created by a request records about it; `false` records nothing. */
export type RequestMetadata = false | ((request: Request) => SessionMeta | null | undefined)

/**
 * The metadata a request's new session records, by `metadata`'s rule: by default the `User-Agent` header,
 * nothing when `false`. One rule for every binding that sees a `Request`.
 */
export function requestMetadata(request: Request, metadata?: RequestMetadata): SessionMeta | null {
  if (metadata === false) return null
  if (metadata) return metadata(request) ?? null
  return { userAgent: request.headers.get('user-agent') ?? undefined }
}

/** Runs `handler` with the request's session and returns its response with the session's cookies set. */
export async function handle<TData extends object = SessionData>(
  sessions: RequestSessions<TData>,
  request: Request,
  handler: (session: Session<TData>) => Response | Promise<Response>,
  options: HandleOptions = {},
): Promise<Response> {
  const jar = createHeaderCookieJar(request.headers.get('cookie'))
  // Every cookie write, in order, so a rethrow can hand them to the framework's own cookies.
  const writes: ((target: SessionCookieJar) => void)[] = []
  const recording: SessionCookieJar = {
    get: (name) => jar.get(name),
    // Every value of a name sent twice, so the duplicate rule of `load` holds through this wrapper.
    ...(jar.getAll ? { getAll: jar.getAll.bind(jar) } : {}),
    set(name, value, attributes) {
      jar.set(name, value, attributes)
      writes.push((target) => target.set(name, value, attributes))
    },
    delete(name, attributes) {
      jar.delete(name, attributes)
      writes.push((target) => target.delete(name, attributes))
    },
  }
  const meta = requestMetadata(request, options.metadata)
  const session = await sessions.load(recording, options.name, { meta })
  let response: Response
  try {
    response = await handler(session)
  } catch (err) {
    const controlFlow = options.controlFlow
    if (!controlFlow?.is(err)) throw err
    await session.commit()
    if (writes.length > 0) {
      const target = await controlFlow.jar()
      for (const write of writes) write(target)
    }
    throw err
  }
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
