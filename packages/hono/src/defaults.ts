/**
 * The options `pgSession` uses, every default filled in, to print or to start from.
 *
 * @example
 * ```ts
 * app.use(pgSession(sessionDefaults({ store, secrets: process.env.SESSION_SECRET, rolling: true })))
 * ```
 */
import { requestSessionDefaults } from '@pgstore/core/adapter'
import type { PgSessionOptions } from './index'

type Defaulted = 'cookieName' | 'cookie' | 'maxAge' | 'rolling'

/**
 * `pgSession`'s options with every default filled in; anything given wins and `cookie` is merged: cookie
 * `__Host-pgsid` (`pgsid` when not Secure, or with a domain or another path), httpOnly, SameSite=Lax,
 * Secure in production, 14 days, not rolling.
 */
export function sessionDefaults<T extends Partial<PgSessionOptions<string>>>(
  options: T = {} as T,
): T & Required<Pick<PgSessionOptions<string>, Defaulted>> {
  return { rolling: false, ...requestSessionDefaults(options) }
}
