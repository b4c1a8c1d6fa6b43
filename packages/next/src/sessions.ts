/**
 * The Next.js binding, with `cookies()` and React's `cache` passed in so it can be exercised with Next's own
 * cookie classes outside a Next server. `index.ts` passes the real ones.
 */
import {
  isPgStoreError,
  type PgStore,
  PgStoreError,
  type PgStoreOptions,
  type SessionData,
  type SessionMeta,
} from '@pgstore/core'
import {
  requestSessionDefaults,
  resolveStore,
  type SecretListInput,
  secretList,
  statusText,
} from '@pgstore/core/adapter'
import {
  createRequestSessions,
  handle,
  type RequestSessions,
  type Session,
  type SessionCookieOptions,
} from '@pgstore/core/web'
import { isNextControlFlow } from './control-flow'
import { type NextCookieStore, nextCookieJar, requestCookies } from './cookies'
import { deferredStore, once, type ShareOptions } from './lazy'

export interface CreateSessionsOptions {
  /** A PgStore, or the options to create one (it connects on first use). */
  store: PgStore<any> | PgStoreOptions<any>
  /**
   * Signing secrets, at least 32 characters each; the first signs, every one verifies (rotation). An unset
   * entry after the first (`[process.env.SECRET, process.env.OLD_SECRET]` before a rotation) is dropped; a
   * missing first one is `INVALID_OPTIONS`, at `createSessions` or, for options given as a function, on
   * the first request.
   */
  secrets: SecretListInput
  /**
   * The default session's cookie; a named session `x` uses `${cookieName}-x`. Kept as given; a `__Host-`
   * name needs Secure, path '/' and no domain, a `__Secure-` one Secure (INVALID_OPTIONS otherwise).
   * @default '__Host-pgsid' when the cookie is Secure with path '/' and no domain (production), else 'pgsid'
   */
  cookieName?: string
  /** Cookie attributes. @default httpOnly, SameSite=Lax, path '/', Secure when NODE_ENV is 'production' */
  cookie?: SessionCookieOptions
  /**
   * Lifetime of a session (cookie and row) from its last save, in seconds; `session.maxAge` changes one.
   * Seconds, not the ms of @pgstore/express and @pgstore/koa: each adapter takes its framework's unit, and
   * Next's `cookies().set` takes `maxAge` in seconds, as the cookie's Max-Age attribute does.
   * @default 1_209_600 (14 days)
   */
  maxAge?: number
  /**
   * Extend an unmodified session on every use by `withSession` (throttled by the store's `touchAfter`):
   * the row's expiry moves and the cookie is re-sent. In server actions call `session.touch()` yourself.
   * @default false
   */
  rolling?: boolean
  /**
   * What a session created in this request (saved while new, or regenerated) records about it, for device
   * lists (`store.listByUser`): by default the `User-Agent` header; a function of the request's headers to
   * record something else, such as `ip` from `x-forwarded-for` when a proxy you trust sets it (Vercel
   * does); `false` to record nothing. Core cuts and cleans it.
   * @default (headers) => ({ userAgent: headers.get('user-agent') })
   */
  metadata?: false | ((headers: HeadersLike) => SessionMeta | null | undefined)
}

/** The part of `Headers` (and of Next's `headers()`) that `metadata` reads. */
export interface HeadersLike {
  get(name: string): string | null
}

const userAgentOf = (headers: HeadersLike): SessionMeta => ({
  userAgent: headers.get('user-agent') ?? undefined,
})

/** A route handler that gets the request's session as a third argument. */
export type SessionRouteHandler<TData extends object, TRequest extends Request, TContext> = (
  request: TRequest,
  context: TContext,
  session: Session<TData>,
) => Response | Promise<Response>

export interface Sessions<TData extends object = SessionData> {
  /**
   * The request's session (or the named one), read once per request. Works in route handlers, server
   * actions and server components; in a server component save/regenerate/destroy throw `READ_ONLY`.
   */
  getSession(name?: string): Promise<Session<TData>>
  /**
   * Wraps a route handler: loads the session from the request, saves it after the handler if it changed,
   * and puts the cookie on whatever Response the handler returned. When the handler throws Next's
   * `redirect()`, `notFound()`, `forbidden()` or `unauthorized()`, the session is committed the same way,
   * its cookies go to `cookies()` (which Next puts on the response it builds), and the same error is
   * rethrown. Any other error is rethrown with nothing saved.
   */
  withSession<TRequest extends Request = Request, TContext = unknown>(
    handler: SessionRouteHandler<TData, TRequest, TContext>,
    options?: { name?: string },
  ): (request: TRequest, context: TContext) => Promise<Response>
  /**
   * True when the request carries a well-signed session cookie. No database access, so the session may be
   * gone: use it in proxy.ts to redirect early, and check the session itself in the handler.
   */
  hasSessionCookie(request: Request, name?: string): boolean
  /** The store, for listing and revoking sessions ("log out other devices"). */
  readonly store: PgStore<any>
  /** Closes the store if these sessions created it from options; a store passed in is yours to close. */
  close(): Promise<void>
}

export interface NextBindings {
  cookies: () => Promise<NextCookieStore>
  /**
   * `headers()` from `next/headers`: its raw `Cookie` header shows every value sent under the session
   * cookie's name, where `cookies()` keeps the last one only, and `metadata` reads it. Without it getSession
   * reads `cookies()` alone and records no metadata.
   */
  headers?: () => Promise<HeadersLike>
  cache: <F extends (...args: any[]) => any>(fn: F) => F
}

/**
 * The options `createSessions` uses, with every default filled in; anything given wins and `cookie` is
 * merged: cookie `__Host-pgsid` (`pgsid` when not Secure, or with a domain or another path), httpOnly,
 * SameSite=Lax, Secure in production, 14 days, not rolling.
 */
export function sessionDefaults(
  options: Partial<CreateSessionsOptions> = {},
): Omit<CreateSessionsOptions, 'store' | 'secrets'> & Partial<CreateSessionsOptions> {
  return { rolling: false, ...requestSessionDefaults(options) }
}

/** The options, or a function that returns them, called on the first request (see `createSessions`). */
export type SessionsConfig = CreateSessionsOptions | (() => CreateSessionsOptions)

/** What one configuration resolves to: request sessions over a store, and who closes it. */
interface Bound<TData extends object> {
  sessions: RequestSessions<TData>
  store: PgStore<any>
  close(): Promise<void>
  metadata: ((headers: HeadersLike) => SessionMeta | null | undefined) | undefined
}

/** Checks the options and creates the store from them when given options; no I/O. */
function bind<TData extends object>(options: CreateSessionsOptions): Bound<TData> {
  if (typeof options !== 'object' || options === null) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      '@pgstore/next: createSessions takes its options, or a function that returns them.',
    )
  }
  // The secrets first: a store created from options is not left behind when they are missing.
  const secrets = secretList(options.secrets, '@pgstore/next', 'secrets')
  const { store, close } = resolveStore<any>(options.store, '@pgstore/next')
  try {
    const sessions = createRequestSessions<TData>({ ...options, store, secrets })
    const metadata = options.metadata === false ? undefined : (options.metadata ?? userAgentOf)
    return { sessions, store, close, metadata }
  } catch (err) {
    void close()
    throw err
  }
}

/**
 * The answer `withSession` gives for a pgstore error with a status of its own (core's table: 503 for
 * `DB_UNAVAILABLE` and `TIMEOUT`, 413 for `SESSION_TOO_LARGE`), as Express and Koa do; any other error is
 * rethrown, and Next answers 500.
 */
function errorResponse(err: unknown): Response | undefined {
  if (!isPgStoreError(err) || err.status === 500) return undefined
  // Next logs what a route handler throws; this one is answered, so log it here (its message and cause
  // hold no session id, secret or data).
  console.error(err)
  return new Response(statusText(err.status), {
    status: err.status,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  })
}

export function bindSessions<TData extends object = SessionData>(
  config: SessionsConfig,
  next: NextBindings,
  share: ShareOptions = {},
): Sessions<TData> {
  const lazy = typeof config === 'function'
  const bound = once<Bound<TData>>(() => bind<TData>(lazy ? config() : config), share.globalKey)
  // Options given as a value are checked now, at startup; a function waits for the first request.
  if (!lazy) bound.get()
  const resolve = () => bound.get()
  // React's cache scopes to a render; route handlers have none, so sessions are also kept per cookie store,
  // an object Next creates once per request.
  const perRequest = new WeakMap<object, Map<string, Promise<Session<TData>>>>()
  const loadWithMeta = async (cookieStore: NextCookieStore, name: string): Promise<Session<TData>> => {
    const headers = next.headers ? await next.headers() : undefined
    // Resolved after cookies() and headers(): while `next build` prerenders, those stop the render first.
    const { sessions, metadata } = resolve()
    const meta = headers && metadata ? metadata(headers) : null
    return sessions.load(nextCookieJar(cookieStore, headers?.get('cookie')), name || undefined, { meta })
  }
  const load = next.cache(async (name: string): Promise<Session<TData>> => {
    const cookieStore = await next.cookies()
    let loaded = perRequest.get(cookieStore)
    if (!loaded) {
      loaded = new Map()
      perRequest.set(cookieStore, loaded)
    }
    let session = loaded.get(name)
    if (!session) {
      // Kept before anything is awaited, so two getSession calls of one request share one session.
      session = loadWithMeta(cookieStore, name)
      loaded.set(name, session)
    }
    return session
  })

  return {
    store: lazy ? deferredStore(() => resolve().store) : resolve().store,
    async close() {
      const current = bound.peek()
      if (!current) return
      bound.forget()
      await current.close()
    },
    getSession: (name) => load(name ?? ''),
    withSession(handler, handlerOptions) {
      // A redirect or notFound thrown by the handler is an answer, not a failure: commit, then let Next
      // build the response, which carries the cookies written to its cookies() store.
      const controlFlow = {
        is: isNextControlFlow,
        jar: async () => nextCookieJar(await next.cookies()),
      }
      return async (request, context) => {
        const { sessions, metadata } = resolve()
        try {
          return await handle(sessions, request, (session) => handler(request, context, session), {
            ...handlerOptions,
            controlFlow,
            metadata: metadata ? (r) => metadata(r.headers) : false,
          })
        } catch (err) {
          const response = errorResponse(err)
          if (response) return response
          throw err
        }
      }
    },
    hasSessionCookie: (request, name) =>
      resolve().sessions.verifyCookie(requestCookies(request, resolve().sessions.cookieNameFor(name)), name),
  }
}
