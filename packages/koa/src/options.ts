/**
 * Secure koa-session settings in one call, so an app does not have to know which defaults to change.
 *
 * @example
 * ```ts
 * app.keys = [process.env.SESSION_KEY!, process.env.OLD_SESSION_KEY!]
 * app.use(session(sessionDefaults({ store, maxAge: 86_400_000 }, app), app))
 * ```
 */
import { newSessionId, PgStoreError } from '@pgstore/core'
import { secretList, secureCookieDefaults } from '@pgstore/core/adapter'
import type { CreateSessionOptions } from 'koa-session'

/** What {@link sessionDefaults} reads of a Koa app: `app.keys`, which signs koa-session's cookie. */
export interface KoaKeysHolder {
  keys?: unknown
}

/**
 * koa-session options with secure defaults; anything given wins.
 * - `genid`: core's `newSessionId`, 256 bits (koa-session's default is a UUID, 122 random bits)
 * - `httpOnly: true`, `sameSite: 'lax'`, `signed: true` (signed with `app.keys`, so a forged id is dropped
 *   before any query)
 * - `secure` when `NODE_ENV` is `production`. Behind a TLS-terminating proxy set `app.proxy = true`, or Koa
 *   refuses to send a secure cookie over what it sees as plain HTTP.
 *
 * Given the `app` (as koa-session is), it also checks `app.keys` like core checks its secrets, so a weak or
 * missing key fails at startup rather than on the first tampered cookie: the first key must be set, every
 * set key must be a string of at least 32 characters, and unset keys after the first (`undefined`, `null`,
 * `''`, such as an `OLD_SESSION_KEY` before any rotation) are dropped from `app.keys`. A Keygrip instance is
 * kept as it is: its keys cannot be read. Nothing is checked with `signed: false`. Set `app.keys` first.
 * @throws PgStoreError `INVALID_OPTIONS` for missing, short or non-string keys (the message never holds one)
 */
export function sessionDefaults(
  options: CreateSessionOptions = {},
  app?: KoaKeysHolder,
): CreateSessionOptions {
  const result: CreateSessionOptions = {
    genid: newSessionId,
    ...secureCookieDefaults(),
    signed: true,
    ...options,
  }
  if (app !== undefined && result.signed !== false) app.keys = checkedKeys(app)
  return result
}

function checkedKeys(app: KoaKeysHolder): unknown {
  if (typeof app !== 'object' || app === null) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      '@pgstore/koa: pass the Koa app: sessionDefaults(options, app).',
    )
  }
  const keys = app.keys
  if (isKeygrip(keys)) return keys
  if (keys === undefined || keys === null || (Array.isArray(keys) && keys.length === 0)) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      '@pgstore/koa: app.keys is not set. Set app.keys = [a key of at least 32 random characters] (e.g. from ' +
        '`openssl rand -base64 32`) before sessionDefaults(options, app); the first key signs, every key verifies.',
    )
  }
  if (!Array.isArray(keys)) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      '@pgstore/koa: app.keys must be an array of keys (newest first), each at least 32 characters, or a Keygrip.',
    )
  }
  return secretList(keys, '@pgstore/koa', 'app.keys')
}

/** A Keygrip (or anything Koa's cookies accept as one): signs and verifies itself. */
function isKeygrip(value: unknown): boolean {
  const v = value as { sign?: unknown; verify?: unknown; index?: unknown } | null
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof v.sign === 'function' &&
    typeof v.verify === 'function' &&
    typeof v.index === 'function'
  )
}
