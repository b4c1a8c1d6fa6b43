/**
 * Core's secret rule for the adapters whose framework signs the cookie itself (express-session's `secret`,
 * Koa's `app.keys`), checked once at startup instead of failing on the first tampered cookie.
 *
 * @example
 * ```ts
 * // Before any rotation OLD_SECRET is unset; that entry is dropped, the rest is checked like core's secrets.
 * const secret = secretList([process.env.SECRET, process.env.OLD_SECRET], '@pgstore/express', 'secret')
 * ```
 */
import { PgStoreError } from '../errors'
import { assertSecrets } from '../signing'

/** A secret list as configuration gives it: entries read from the environment may be unset. */
export type SecretListInput = string | null | undefined | readonly (string | null | undefined)[]

const unset = (value: unknown): value is '' | null | undefined =>
  value === undefined || value === null || value === ''

/**
 * Checks a secret list by core's rule ({@link assertSecrets}: strings of at least 32 characters) and returns
 * it cleaned, newest first. The first entry signs, so it must be set; an unset entry after it (`undefined`,
 * `null` or `''`) is dropped, so `[process.env.SECRET, process.env.OLD_SECRET]` works before a rotation.
 * Messages name the option and the entry's position, never its value.
 * @throws PgStoreError `INVALID_OPTIONS`
 */
export function secretList(value: unknown, adapter: string, option: string): string[] {
  const list: readonly unknown[] = Array.isArray(value) ? value : [value]
  if (list.length === 0 || unset(list[0])) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `${adapter}: ${option} is not set. Give it a secret of at least 32 random characters ` +
        '(e.g. `openssl rand -base64 32`), kept out of the repository; when rotating, list the new one first.',
    )
  }
  const out: string[] = []
  list.forEach((entry, i) => {
    if (i > 0 && unset(entry)) return
    const where = Array.isArray(value) ? `${option}[${i}]` : option
    if (typeof entry !== 'string') {
      throw new PgStoreError(
        'INVALID_OPTIONS',
        `${adapter}: ${where} must be a string of at least 32 characters, not ${kind(entry)}.`,
      )
    }
    try {
      assertSecrets(entry)
    } catch {
      throw new PgStoreError(
        'INVALID_OPTIONS',
        `${adapter}: ${where} is shorter than 32 characters. Use at least 32 random characters ` +
          '(e.g. `openssl rand -base64 32`).',
      )
    }
    out.push(entry)
  })
  return out
}

function kind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  const type = typeof value
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`
}
