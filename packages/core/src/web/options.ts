/**
 * Options of request sessions: cookie attributes with secure defaults (httpOnly, SameSite=Lax, Secure in
 * production), the signing secrets and the lifetime, resolved and checked once.
 */
import { PgStoreError } from '../errors'
import { assertSecrets, TOKEN } from '../signing'
import type { PgStore } from '../store/pg-store'
import type { SessionData } from '../store/types'

export interface SessionCookieOptions {
  /** @default '/' */
  path?: string
  /** @default none: the cookie goes to the host that set it only */
  domain?: string
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none'
  /**
   * Send the cookie over HTTPS only.
   * @default true when NODE_ENV is 'production', or when sameSite is 'none' or partitioned is set
   */
  secure?: boolean
  /** @default true */
  httpOnly?: boolean
  /** CHIPS: a cookie keyed to the top-level site, for embedded (third-party) use. @default false */
  partitioned?: boolean
}

/** Everything a jar needs to write the cookie. `maxAge` is in seconds; 0 deletes the cookie. */
export interface SessionCookieAttributes {
  path: string
  domain?: string
  sameSite: 'lax' | 'strict' | 'none'
  secure: boolean
  httpOnly: boolean
  partitioned: boolean
  maxAge: number
  expires: Date
}

/** The cookies of one request and its response, as a framework exposes them. */
export interface SessionCookieJar {
  /** The request's value of the cookie `name` (after this request's own writes). */
  get(name: string): string | undefined
  /**
   * Every value the request sent under `name`, in header order, for a jar that can see them all (a raw
   * `Cookie` header holds one name several times when cookies with other Path or Domain attributes match).
   * Request sessions verify each one; a jar without it gives `get(name)` only.
   */
  getAll?(name: string): readonly string[]
  /** May throw when the framework forbids writes here (the adapter turns that into `READ_ONLY`). */
  set(name: string, value: string, attributes: SessionCookieAttributes): void
  delete(name: string, attributes: SessionCookieAttributes): void
}

export interface RequestSessionOptions<TData extends object = SessionData> {
  /** Where rows live. A typed store (`PgStore<TData>`) must hold this data type; an untyped one holds any. */
  store: PgStore<TData> | PgStore
  /** Signing secrets, at least 32 characters each; the first signs, all verify (rotation). */
  secrets: string | readonly string[]
  /**
   * Name of the default session's cookie; a named session `x` uses `${cookieName}-x`.
   * @default 'pgsid'
   */
  cookieName?: string
  /** Cookie attributes. */
  cookie?: SessionCookieOptions
  /**
   * Lifetime of a session, cookie and row, in seconds, from its last save. A session can change its own.
   * @default 1_209_600 (14 days)
   */
  maxAge?: number
  /**
   * Extend an unmodified session on use: adapters call {@link Session.touch} at the end of a request, which
   * moves the row's expiry and re-sends the cookie, throttled by the store's `touchAfter`.
   * @default false
   */
  rolling?: boolean
}

/** Key under which pgstore keeps flashes and a per-session maxAge in the row; reserved in session data. */
export const SESSION_META_KEY = '__pgstore'

export interface Meta {
  flash?: Record<string, unknown[]>
  maxAge?: number
}

export { TOKEN }

export interface Resolved<TData extends object = SessionData> {
  rolling: boolean
  store: PgStore<TData>
  secrets: readonly string[]
  cookieName: string
  cookie: Omit<SessionCookieAttributes, 'maxAge' | 'expires'>
  maxAge: number
}

export function invalid(message: string): never {
  throw new PgStoreError('INVALID_OPTIONS', `pgstore: ${message}`)
}

export function assertMaxAge(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    invalid('maxAge must be a positive number of seconds.')
  }
  return value
}

export function resolveRequestOptions<TData extends object>(
  options: RequestSessionOptions<TData>,
): Resolved<TData> {
  if (!options?.store) invalid('request sessions need a store (a PgStore).')
  const secrets = assertSecrets(options.secrets)
  const cookieName = options.cookieName ?? 'pgsid'
  if (!TOKEN.test(cookieName)) invalid('cookieName must be a cookie token (letters, digits, !#$%&*+-.^_`|~).')
  const c = options.cookie ?? {}
  const sameSite = c.sameSite ?? 'lax'
  if (!['lax', 'strict', 'none'].includes(sameSite))
    invalid("cookie.sameSite must be 'lax', 'strict' or 'none'.")
  const needsSecure = sameSite === 'none' || c.partitioned === true
  if (needsSecure && c.secure === false) {
    invalid('browsers drop SameSite=None and Partitioned cookies without Secure; leave cookie.secure on.')
  }
  return {
    rolling: options.rolling === true,
    store: options.store as PgStore<TData>,
    secrets,
    cookieName,
    cookie: {
      path: c.path ?? '/',
      ...(c.domain ? { domain: c.domain } : {}),
      sameSite,
      secure: c.secure ?? (needsSecure || process.env.NODE_ENV === 'production'),
      httpOnly: c.httpOnly ?? true,
      partitioned: c.partitioned ?? false,
    },
    maxAge: assertMaxAge(options.maxAge ?? 1_209_600),
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
