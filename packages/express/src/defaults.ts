/**
 * Secure express-session settings in one call, so an app does not have to know which defaults to change.
 *
 * @example
 * ```ts
 * app.use(session(sessionDefaults({ store, secret: [process.env.SESSION_SECRET!] })))
 * ```
 */
import { newSessionId } from '@pgstore/core'
import { secureCookieDefaults } from '@pgstore/core/adapter'
import type { SessionOptions } from 'express-session'

/**
 * A 256-bit session id (43 base64url characters) from the CSPRNG. express-session's default id has 192
 * bits; pass this as `genid`.
 */
export function genid(): string {
  return newSessionId()
}

/**
 * express-session options with secure defaults; anything given wins, and `cookie` is merged.
 * - `genid`: {@link genid} (256 bits)
 * - `resave: false`: an unmodified session is touched, never rewritten over a concurrent request's write
 * - `saveUninitialized: false`: no row and no cookie until the session holds something (and consent law)
 * - `cookie`: `httpOnly: true`, `sameSite: 'lax'`, `secure` when `NODE_ENV` is `production`
 *
 * The cookie name stays `connect.sid`, so sessions migrated from connect-pg-simple keep working.
 */
export function sessionDefaults(options: SessionOptions): SessionOptions {
  return {
    genid,
    resave: false,
    saveUninitialized: false,
    ...options,
    cookie: { ...secureCookieDefaults(), ...options.cookie },
  }
}
