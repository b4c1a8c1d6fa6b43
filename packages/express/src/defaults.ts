/**
 * Secure express-session settings in one call, so an app does not have to know which defaults to change.
 *
 * @example
 * ```ts
 * app.use(session(sessionDefaults({ store, secret: [process.env.SESSION_SECRET, process.env.OLD_SESSION_SECRET] })))
 * ```
 */
import { newSessionId } from '@pgstore/core'
import { type SecretListInput, secretList, secureCookieDefaults } from '@pgstore/core/adapter'
import type { SessionOptions } from 'express-session'

/**
 * A 256-bit session id (43 base64url characters) from the CSPRNG. express-session's default id has 192
 * bits; pass this as `genid`.
 */
export function genid(): string {
  return newSessionId()
}

/**
 * express-session options, except that `secret` may list unset entries (an `OLD_SESSION_SECRET` that is not
 * set before the first rotation); {@link sessionDefaults} drops them.
 */
export type SessionDefaultsOptions = Omit<SessionOptions, 'secret'> & { secret: SecretListInput }

/**
 * express-session options with secure defaults; anything given wins, and `cookie` is merged.
 * - `secret`: checked like core's secrets, so a weak or missing one fails at startup, not on the first
 *   tampered cookie. The first entry signs and must be set; every set entry must be a string of at least 32
 *   characters; unset entries after the first (`undefined`, `null`, `''`) are dropped.
 * - `genid`: {@link genid} (256 bits)
 * - `resave: false`: an unmodified session is touched, never rewritten over a concurrent request's write
 * - `saveUninitialized: false`: no row and no cookie until the session holds something (and consent law)
 * - `cookie`: `httpOnly: true`, `sameSite: 'lax'`, `secure` when `NODE_ENV` is `production`
 *
 * The cookie name stays `connect.sid`, so sessions migrated from connect-pg-simple keep working.
 * @throws PgStoreError `INVALID_OPTIONS` for a missing, short or non-string secret (the message never holds it)
 */
export function sessionDefaults(options: SessionDefaultsOptions): SessionOptions {
  const secret = secretList(options.secret, '@pgstore/express', 'secret')
  return {
    genid,
    resave: false,
    saveUninitialized: false,
    ...options,
    secret,
    cookie: { ...secureCookieDefaults(), ...options.cookie },
  }
}
