/**
 * Secure @fastify/session settings in one call, so an app does not have to know which defaults to change.
 *
 * @example
 * ```ts
 * await app.register(fastifySession, sessionDefaults({ store, secret: [process.env.SESSION_SECRET, process.env.OLD_SESSION_SECRET] }))
 * ```
 */
import type { FastifySessionOptions } from '@fastify/session'
import { newSessionId } from '@pgstore/core'
import { type SecretListInput, secretList, secureCookieDefaults } from '@pgstore/core/adapter'

/**
 * @fastify/session options, except that `secret` may list unset entries (an `OLD_SESSION_SECRET` that is not
 * set before the first rotation); {@link sessionDefaults} drops them.
 */
export type SessionDefaultsOptions = Omit<FastifySessionOptions, 'secret'> & { secret: SecretListInput }

/**
 * @fastify/session options with secure defaults; anything given wins, and `cookie` is merged.
 * - `secret`: checked like core's secrets, so a weak or missing one fails at startup. The first entry signs
 *   and must be set; every set entry must be a string of at least 32 characters; unset entries after the
 *   first (`undefined`, `null`, `''`) are dropped.
 * - `idGenerator`: core's `newSessionId` (256 bits; @fastify/session's default has 192)
 * - `saveUninitialized: false`: no row and no cookie until the session holds something (and consent law)
 * - `cookie`: `httpOnly: true`, `sameSite: 'lax'`, `secure` when `NODE_ENV` is `production`
 *   (@fastify/session's default is `secure: true`, which over plain HTTP silently saves nothing)
 *
 * `rolling` stays @fastify/session's `true`: an unchanged session is saved on every request, which the
 * store turns into a throttled touch. The cookie name stays `sessionId`.
 * @throws PgStoreError `INVALID_OPTIONS` for a missing, short or non-string secret (the message never holds it)
 */
export function sessionDefaults(options: SessionDefaultsOptions): FastifySessionOptions {
  const secret = secretList(options.secret, '@pgstore/fastify', 'secret')
  return {
    idGenerator: () => newSessionId(),
    saveUninitialized: false,
    ...options,
    secret,
    cookie: { ...secureCookieDefaults(), ...options.cookie },
  }
}
