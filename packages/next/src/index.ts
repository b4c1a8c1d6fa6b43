/**
 * @pgstore/next: server-side sessions for the Next.js App Router, stored in PostgreSQL by @pgstore/core.
 *
 * @example
 * ```ts
 * // lib/session.ts: a function, so nothing is read or created until the first request (next build
 * // imports this module with no DATABASE_URL or SESSION_SECRETS)
 * import { createSessions } from '@pgstore/next'
 * export const { getSession, withSession, store } = createSessions<{ userId?: string }>(() => ({
 *   store: { connectionString: process.env.DATABASE_URL, createTable: true },
 *   secrets: process.env.SESSION_SECRETS?.split(','),
 * }))
 *
 * // app/actions.ts ('use server')
 * const session = await getSession()
 * await session.regenerate()      // a new id at login
 * session.set('userId', user.id)
 * await session.save()
 * ```
 *
 * Importing this module from a client component is a build error (`server-only`).
 */
import 'server-only'
import type { SessionData } from '@pgstore/core'
import { defaultCookieName } from '@pgstore/core/adapter'
import { cookies, headers } from 'next/headers'
import { cache } from 'react'
import { requestCookies } from './cookies'
import type { ShareOptions } from './lazy'
import { bindSessions, type Sessions, type SessionsConfig } from './sessions'

export { isPgStoreError, PgStoreError, type PgStoreErrorCode } from '@pgstore/core'
export type { Session, SessionCookieOptions } from '@pgstore/core/web'
export type { ShareOptions } from './lazy'
export {
  type CreateSessionsOptions,
  type HeadersLike,
  type SessionRouteHandler,
  type Sessions,
  type SessionsConfig,
  sessionDefaults,
} from './sessions'

/**
 * Builds `getSession`, `withSession` and `hasSessionCookie` over one store and one cookie configuration.
 *
 * Give the options as a function (`createSessions(() => ({ ... }))`) and nothing happens until the first
 * request: the environment is not read, the secrets are not checked and no store is created, so `next
 * build` passes without runtime secrets. `store` is then a stand-in that creates the store on first use.
 * Misconfiguration is still a `PgStoreError` `INVALID_OPTIONS`, thrown by that first `getSession()`,
 * `withSession` request or `hasSessionCookie()`. Options given as a value are checked here, at startup.
 *
 * @param options the options, or a function returning them, called once, on first use
 * @param share `globalKey`: keep the store on `globalThis` under that key, one per process however many
 *   times Next evaluates your module
 * @throws PgStoreError `INVALID_OPTIONS` for options given as a value (a function's: on first use)
 */
export function createSessions<TData extends object = SessionData>(
  options: SessionsConfig,
  share?: ShareOptions,
): Sessions<TData> {
  return bindSessions<TData>(options, { cookies, headers, cache }, share)
}

const SIGNED = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/

/**
 * For proxy.ts (middleware): true when the request carries a cookie shaped like a signed pgstore session
 * (any of them, when the name comes several times).
 * Optimistic: no secret and no database, so it cannot tell a forged or revoked session. Real validation
 * happens in the handler (getSession / withSession); the `hasSessionCookie` from createSessions also checks
 * the signature.
 * @param cookieName the cookie to look for. @default createSessions' default with no cookie options:
 *   '__Host-pgsid' when NODE_ENV is 'production', else 'pgsid'
 */
export function looksLikeSessionCookie(request: Request, cookieName: string = defaultCookieName()): boolean {
  return requestCookies(request, cookieName).some((value) => SIGNED.test(value))
}

/**
 * The old name of {@link looksLikeSessionCookie}: it checks the cookie's shape only, unlike the signature
 * check of `createSessions().hasSessionCookie`.
 * @deprecated use looksLikeSessionCookie
 */
export const hasSessionCookie = looksLikeSessionCookie
