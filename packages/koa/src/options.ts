/**
 * Secure koa-session settings in one call, so an app does not have to know which defaults to change.
 *
 * @example
 * ```ts
 * app.use(session(sessionDefaults({ store, maxAge: 86_400_000 }), app))
 * ```
 */
import { newSessionId } from '@pgstore/core'
import { secureCookieDefaults } from '@pgstore/core/adapter'
import type { CreateSessionOptions } from 'koa-session'

/**
 * koa-session options with secure defaults; anything given wins.
 * - `genid`: core's `newSessionId`, 256 bits (koa-session's default is a UUID, 122 random bits)
 * - `httpOnly: true`, `sameSite: 'lax'`, `signed: true` (signed with `app.keys`, so a forged id is dropped
 *   before any query)
 * - `secure` when `NODE_ENV` is `production`. Behind a TLS-terminating proxy set `app.proxy = true`, or Koa
 *   refuses to send a secure cookie over what it sees as plain HTTP.
 */
export function sessionDefaults(options: CreateSessionOptions = {}): CreateSessionOptions {
  return {
    genid: newSessionId,
    ...secureCookieDefaults(),
    signed: true,
    ...options,
  }
}
