/**
 * `@pgstore/core/adapter`: what every framework adapter shares, so each rule is written once. An adapter
 * takes a PgStore or PgStore options the same way ({@link resolveStore}), closes only what it created,
 * starts from the same secure cookie defaults and validates secrets like core does.
 *
 * @example
 * ```ts
 * import { resolveStore, secureCookieDefaults } from '@pgstore/core/adapter'
 * const { store, close } = resolveStore(options, '@pgstore/koa')
 * const cookie = { ...secureCookieDefaults(), ...options.cookie }
 * ```
 */
import { PgStoreError } from '../errors'
import type { PgStoreOptions } from '../store/options'
import { PgStore } from '../store/pg-store'
import { defaultCookieName, type SessionCookieOptions } from '../web/options'

export { assertSecrets } from '../signing'
export { positiveNumber } from '../store/options'
/**
 * `DEFAULT_COOKIE_NAME` (`pgsid`) is the base name of the cookie of adapters that own their cookie (next,
 * web); express and koa keep their framework's. `defaultCookieName(cookie)` is the name they use:
 * `__Host-pgsid` when the cookie is Secure with path '/' and no domain, else `pgsid`.
 */
export { DEFAULT_COOKIE_NAME, defaultCookieName } from '../web/options'
export { type SecretListInput, secretList } from './secrets'

/** A PgStore, `{ store }` around one, or the options to create one. */
export type StoreOrOptions<TData extends object> =
  | PgStore<TData>
  | { store: PgStore<TData> }
  | PgStoreOptions<TData>

export interface ResolvedStore<TData extends object> {
  store: PgStore<TData>
  /** True when the adapter created the store, and so must close it. */
  owned: boolean
  /** Closes the store if the adapter created it; a store given to the adapter is its owner's to close. */
  close(): Promise<void>
}

/**
 * The store an adapter uses.
 * @throws PgStoreError `INVALID_OPTIONS` when `value` is neither a store nor store options
 */
export function resolveStore<TData extends object>(
  value: StoreOrOptions<TData>,
  adapter: string,
): ResolvedStore<TData> {
  if (typeof value !== 'object' || value === null) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `${adapter}: pass a PgStore or PgStore options (db, pool or connectionString).`,
    )
  }
  const given = isStore(value) ? value : 'store' in value ? value.store : undefined
  if (!isStore(value) && 'store' in value) {
    if (!isStore(given)) {
      throw new PgStoreError('INVALID_OPTIONS', `${adapter}: { store } must be a PgStore from @pgstore/core.`)
    }
    if (Object.keys(value).length > 1) {
      throw new PgStoreError(
        'INVALID_OPTIONS',
        `${adapter}: pass either { store } or PgStore options, not both; configure the store itself.`,
      )
    }
  }
  if (given) return { store: given, owned: false, close: async () => undefined }
  const store = new PgStore<TData>(value as PgStoreOptions<TData>)
  return { store, owned: true, close: () => store.close() }
}

/** True for a PgStore, also across the ESM and CJS builds of core (where `instanceof` fails). */
export function isStore(value: unknown): value is PgStore<any> {
  const v = value as Partial<PgStore<any>> | null | undefined
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.getRecord === 'function' &&
    typeof v.touch === 'function' &&
    typeof v.destroyByUser === 'function'
  )
}

/** The cookie attributes every adapter starts from: httpOnly, SameSite=Lax, Secure in production. */
export function secureCookieDefaults(): { httpOnly: true; sameSite: 'lax'; secure: boolean } {
  return { httpOnly: true, sameSite: 'lax', secure: process.env.NODE_ENV === 'production' }
}

/**
 * The defaults of every binding of core's request sessions (next, hono, react-router), filled in over what
 * was given: cookie `__Host-pgsid` (`pgsid` when not Secure, or with a domain or another path), httpOnly,
 * SameSite=Lax, Secure in production, path '/', 14 days. Anything given wins; `cookie` is merged.
 */
export function requestSessionDefaults<
  T extends { cookieName?: string; maxAge?: number; cookie?: SessionCookieOptions },
>(options: T): T & { cookieName: string; maxAge: number; cookie: SessionCookieOptions } {
  return {
    cookieName: defaultCookieName(options.cookie),
    maxAge: 1_209_600,
    ...options,
    cookie: { path: '/', ...secureCookieDefaults(), ...options.cookie },
  }
}

/** The plain-text body of an adapter's answer to a pgstore error with a status of its own (503, 413). */
export function statusText(status: number): string {
  return status === 503 ? 'Service Unavailable' : status === 413 ? 'Content Too Large' : 'Error'
}
