/**
 * The options `createPgSessionStorage` uses, every default filled in, to print or to start from.
 *
 * @example
 * ```ts
 * const storage = createPgSessionStorage(sessionDefaults({ store, secrets: process.env.SESSION_SECRET }))
 * ```
 */
import { requestSessionDefaults } from '@pgstore/core/adapter'
import type { PgSessionStorageOptions } from './index'

type Defaulted = 'cookieName' | 'cookie' | 'maxAge'

/**
 * `createPgSessionStorage`'s options with every default filled in; anything given wins and `cookie` is
 * merged: cookie `__Host-pgsid` (`pgsid` when not Secure, or with a domain or another path), httpOnly,
 * SameSite=Lax, Secure in production, 14 days.
 */
export function sessionDefaults<T extends Partial<PgSessionStorageOptions>>(
  options: T = {} as T,
): T & Required<Pick<PgSessionStorageOptions, Defaulted>> {
  return requestSessionDefaults(options)
}
