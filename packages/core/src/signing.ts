/**
 * The cookie codec for adapters that own their cookie (@pgstore/next): session ids, and HMAC-SHA256
 * signatures under a rotating secret list. The signature covers the cookie's name as well as its value, so
 * a cookie verifies only under the name it was issued for.
 *
 * @example
 * ```ts
 * const sid = newSessionId()                            // 256 random bits, base64url
 * const value = signCookieValue('pgsid', sid, secrets)  // `${sid}.${mac}`, signed with secrets[0]
 * unsignCookieValue('pgsid', value, secrets)            // sid, or null for anything tampered, unknown or malformed
 * unsignCookieValue('pgsid-admin', value, secrets)      // null: issued for another cookie name
 * ```
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { PgStoreError } from './errors'

const ID_BYTES = 32
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/
const MAC_LENGTH = 43
/** Browsers cap a cookie near 4 KB; anything longer is refused before any HMAC work. */
const MAX_COOKIE_VALUE = 4096
/** A cookie name: an RFC 9110 token (letters, digits, !#$%&'*+-.^_`|~). It never holds '=' or ';'. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** A new session id: 32 bytes (256 bits) from the CSPRNG, base64url, 43 characters. */
export function newSessionId(): string {
  return randomBytes(ID_BYTES).toString('base64url')
}

/** True for a string shaped like an id from {@link newSessionId}. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value)
}

/**
 * Checks a secret list: non-empty, each secret at least 32 characters. Returns a frozen copy.
 * @throws PgStoreError `INVALID_OPTIONS`
 */
export function assertSecrets(secrets: string | readonly string[]): readonly string[] {
  const list = typeof secrets === 'string' ? [secrets] : secrets
  if (!Array.isArray(list) || list.length === 0) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      'pgstore: secrets must hold at least one secret; the first one signs.',
    )
  }
  list.forEach((s: unknown, i) => {
    if (typeof s === 'string' && s.length >= 32) return
    // The position, never the value: an entry read from an unset environment variable is undefined.
    const where = typeof secrets === 'string' ? 'the secret' : `secrets[${i}]`
    const what =
      s === undefined || s === null || s === '' ? 'is not set' : 'is not a string of at least 32 characters'
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: ${where} ${what}. Every secret must be a string of at least 32 random characters (e.g. \`openssl rand -base64 32\`); when one comes from the environment, set the variable.`,
    )
  })
  return Object.freeze([...list])
}

/**
 * HMAC-SHA256 over `${name}=${value}`: the cookie as it is sent. A name is a token, which holds no '=', so
 * the input splits into one name and one value only, and no other (name, value) pair has the same MAC input.
 */
function mac(name: string, value: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(`${name}=${value}`).digest()
}

/**
 * `${value}.${HMAC-SHA256(`${name}=${value}`)}` under the first secret. The MAC binds the cookie name: the
 * result verifies under `name` only, so one named session's cookie does not open another.
 * @throws PgStoreError `INVALID_OPTIONS` when `name` is not a cookie token
 */
export function signCookieValue(name: string, value: string, secrets: readonly string[]): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      "pgstore: a cookie name must be a cookie token (letters, digits, !#$%&'*+-.^_`|~).",
    )
  }
  return `${value}.${mac(name, value, secrets[0]!).toString('base64url')}`
}

/**
 * Verifies a value signed for the cookie `name` against every secret, in constant time for each. Returns
 * the value, or null for anything malformed, oversized, signed for another cookie name (which includes
 * every cookie signed before the name was bound in) or signed with a secret not in the list. Never throws.
 */
export function unsignCookieValue(name: string, signed: unknown, secrets: readonly string[]): string | null {
  if (typeof name !== 'string' || !TOKEN.test(name)) return null
  if (typeof signed !== 'string' || signed.length > MAX_COOKIE_VALUE) return null
  const dot = signed.lastIndexOf('.')
  if (dot <= 0 || signed.length - dot - 1 !== MAC_LENGTH) return null
  const value = signed.slice(0, dot)
  const text = signed.slice(dot + 1)
  const given = Buffer.from(text, 'base64url')
  // Node's decoder ignores the last character's spare bits and also reads '+' and '/', so several strings
  // decode to one MAC; only the canonical encoding is accepted. This compares the cookie with itself, not
  // with the secret's MAC, so it tells an attacker nothing.
  if (given.length !== 32 || given.toString('base64url') !== text) return null
  let ok = false
  // Every secret is tried, so the time taken does not tell which one matched.
  for (const secret of secrets) ok = timingSafeEqual(given, mac(name, value, secret)) || ok
  return ok ? value : null
}
