/**
 * @pgstore/hono: server-side sessions for Hono, stored in PostgreSQL by @pgstore/core. A translation of
 * core's web-standard request session (`@pgstore/core/web`) into a Hono middleware.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { pgSession, type SessionEnv } from '@pgstore/hono'
 *
 * const app = new Hono<SessionEnv<{ userId?: string }>>()
 * app.use(pgSession({ store: { connectionString: process.env.DATABASE_URL }, secrets: process.env.SECRET }))
 * app.get('/me', (c) => c.json({ userId: c.get('session').get('userId') ?? null }))
 * ```
 */
import {
  isPgStoreError,
  type PgStore,
  type PgStoreOptions,
  type SessionData,
  type SessionMeta,
} from '@pgstore/core'
import { resolveStore, type SecretListInput, secretList, statusText } from '@pgstore/core/adapter'
import {
  createRequestSessions,
  handle,
  type RequestSessions,
  type Session,
  type SessionCookieOptions,
} from '@pgstore/core/web'
import type { Context, MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

export { isPgStoreError, PgStoreError, type PgStoreErrorCode } from '@pgstore/core'
export type { Session, SessionCookieOptions } from '@pgstore/core/web'
export { sessionDefaults } from './defaults'

export interface PgSessionOptions<K extends string = 'session'> {
  /** A PgStore, or the options to create one (it connects on first use; `close()` closes it). */
  store: PgStore<any> | PgStoreOptions<any>
  /** Signing secrets, at least 32 characters each; the first signs, every one verifies (rotation). */
  secrets: SecretListInput
  /**
   * The default session's cookie; a named session `x` uses `${cookieName}-x`.
   * @default '__Host-pgsid' when the cookie is Secure with path '/' and no domain (production), else 'pgsid'
   */
  cookieName?: string
  /** Cookie attributes. @default httpOnly, SameSite=Lax, path '/', Secure when NODE_ENV is 'production' */
  cookie?: SessionCookieOptions
  /** Lifetime of a session (cookie and row) from its last save, in seconds. @default 1_209_600 (14 days) */
  maxAge?: number
  /** Extend an unmodified session on each request, throttled by the store's `touchAfter`. @default false */
  rolling?: boolean
  /** Load the named session `name` (its cookie is `${cookieName}-${name}`). @default the default session */
  name?: string
  /** The context variable the session is set under (`c.get(key)`). @default 'session' */
  key?: K
  /**
   * What a session created in this request records for device lists: by default the `User-Agent` header;
   * a function of the context to record more (`ip` from `getConnInfo(c)` of @hono/node-server/conninfo),
   * `false` for nothing.
   * @default (c) => ({ userAgent: c.req.header('user-agent') })
   */
  metadata?: false | ((c: Context) => SessionMeta | null | undefined)
}

/** The Hono `Env` a handler behind {@link pgSession} sees: `c.get(key)` is the request's session. */
export type SessionEnv<TData extends object = SessionData, K extends string = 'session'> = {
  Variables: { [P in K]: Session<TData> }
}

/** The middleware, with the store it uses and a `close()` for a store it created. */
export interface PgSessionMiddleware<TData extends object, K extends string>
  extends MiddlewareHandler<SessionEnv<TData, K>> {
  readonly sessions: RequestSessions<TData>
  readonly store: PgStore<any>
  /** Closes the store if it was created from options; a store passed in is yours to close. */
  close(): Promise<void>
}

/** Thrown past `handle` when the route failed, so that nothing is committed. */
const ROUTE_FAILED = Symbol('route failed')
/**
 * Loads the session once per request into `c.get('session')` and commits it on the way out (saves it
 * when modified, touches it when `rolling`). A route that fails (Hono's `c.error`) commits nothing. A
 * pgstore error with a status of its own (503 `DB_UNAVAILABLE` and `TIMEOUT`, 413 `SESSION_TOO_LARGE`)
 * is thrown as an `HTTPException` with that status and the `PgStoreError` as its `cause`, so Hono answers
 * it and your `app.onError` sees it.
 * @throws PgStoreError `INVALID_OPTIONS` for bad options, at once
 */
export function pgSession<TData extends object = SessionData, K extends string = 'session'>(
  options: PgSessionOptions<K>,
): PgSessionMiddleware<TData, K> {
  const secrets = secretList(options.secrets, '@pgstore/hono', 'secrets')
  const { store, close } = resolveStore<any>(options.store, '@pgstore/hono')
  let sessions: RequestSessions<TData>
  try {
    sessions = createRequestSessions<TData>({ ...options, store, secrets })
  } catch (err) {
    void close()
    throw err
  }
  const key = options.key ?? 'session'
  const { metadata, name } = options
  const middleware: MiddlewareHandler<SessionEnv<TData, K>> = async (c, next) => {
    let answer: Response
    try {
      answer = await handle(
        sessions,
        c.req.raw,
        async (session) => {
          c.set(key as never, session as never)
          await next()
          if (c.error) throw ROUTE_FAILED
          // Core adds the Set-Cookie lines to this stand-in; they are copied onto Hono's own response.
          return new Response(null)
        },
        { name, ...(metadata === undefined ? {} : { metadata: metadata && (() => metadata(c)) }) },
      )
    } catch (err) {
      if (err === ROUTE_FAILED) return
      if (!isPgStoreError(err) || err.status === 500) throw err
      const status = err.status as ContentfulStatusCode
      throw new HTTPException(status, { message: statusText(status), cause: err })
    }
    for (const line of answer.headers.getSetCookie()) c.header('set-cookie', line, { append: true })
  }
  return Object.assign(middleware, { sessions, store, close })
}
