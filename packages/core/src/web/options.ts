/**
 * Options of request sessions: cookie attributes with secure defaults (httpOnly, SameSite=Lax, Secure in
 * production), the signing secrets and the lifetime, resolved and checked once.
 */
import { PgStoreError } from '../errors'
import { assertSecrets, TOKEN } from '../signing'
import type { PgStore } from '../store/pg-store'
import type { SessionData } from '../store/types'

export interface SessionCookieOptions {
  /** Starts with '/'; printable ASCII without spaces, ';' or ','; at most 1024 characters. @default '/' */
  path?: string
  /**
   * A host name: labels of letters, digits and '-' joined by '.', with an optional leading '.'.
   * @default none: the cookie goes to the host that set it only
   */
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
   * Name of the default session's cookie; a named session `x` uses `${cookieName}-x`. Kept as given; a
   * name starting with `__Host-` needs Secure, path '/' and no domain, one starting with `__Secure-` needs
   * Secure (browsers drop such cookies otherwise).
   * @default '__Host-pgsid' when the cookie is Secure with path '/' and no domain (production), else 'pgsid'
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

/** The base name of the session cookie of adapters that own their cookie (next, web). */
export const DEFAULT_COOKIE_NAME = 'pgsid'

/** A Path attribute: '/' then printable ASCII (0x21-0x7E) but ';' and ',', 1024 characters at most. */
const COOKIE_PATH = /^\/[\x21-\x2B\x2D-\x3A\x3C-\x7E]{0,1023}$/
/** A Domain attribute: an optional leading '.', then 1-63 character labels that neither start nor end in '-'. */
const COOKIE_DOMAIN =
  /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
const SAME_SITE = ['lax', 'strict', 'none']

/**
 * Checks a cookie Path: it goes into a `Set-Cookie` line as it is, so a ';' (`'/; Domain=evil.com'`), a
 * ',', a space or a control character would add or break attributes.
 * @throws PgStoreError `INVALID_OPTIONS`
 */
export function assertCookiePath(path: unknown): string {
  if (typeof path !== 'string' || !COOKIE_PATH.test(path)) {
    invalid(
      "cookie.path must start with '/' and hold only printable ASCII without spaces, ';' or ',' (at most 1024 characters); percent-encode anything else.",
    )
  }
  return path
}

/**
 * Checks a cookie Domain: a host name, so nothing in it can add an attribute.
 * @throws PgStoreError `INVALID_OPTIONS`
 */
export function assertCookieDomain(domain: unknown): string {
  if (typeof domain !== 'string' || domain.length > 254 || !COOKIE_DOMAIN.test(domain)) {
    invalid(
      "cookie.domain must be a host name: labels of letters, digits and '-' joined by '.', with an optional leading '.' (e.g. 'example.com'); leave it out for a host-only cookie.",
    )
  }
  return domain
}

/** @throws PgStoreError `INVALID_OPTIONS` unless `value` is 'lax', 'strict' or 'none' */
export function assertSameSite(value: unknown): 'lax' | 'strict' | 'none' {
  if (typeof value !== 'string' || !SAME_SITE.includes(value))
    invalid("cookie.sameSite must be 'lax', 'strict' or 'none'.")
  return value as 'lax' | 'strict' | 'none'
}

/** The cookie attributes of the options, every default filled in and each checked. */
export function resolveCookieAttributes(
  c: SessionCookieOptions = {},
): Omit<SessionCookieAttributes, 'maxAge' | 'expires'> {
  const sameSite = assertSameSite(c.sameSite ?? 'lax')
  const needsSecure = sameSite === 'none' || c.partitioned === true
  if (needsSecure && c.secure === false) {
    invalid('browsers drop SameSite=None and Partitioned cookies without Secure; leave cookie.secure on.')
  }
  return {
    path: c.path === undefined ? '/' : assertCookiePath(c.path),
    // An empty domain is no domain, as before: `domain: process.env.COOKIE_DOMAIN ?? ''` stays host-only.
    ...(c.domain === undefined || c.domain === '' ? {} : { domain: assertCookieDomain(c.domain) }),
    sameSite,
    secure: c.secure ?? (needsSecure || process.env.NODE_ENV === 'production'),
    httpOnly: c.httpOnly ?? true,
    partitioned: c.partitioned ?? false,
  }
}

/** True for attributes a `__Host-` cookie must have: Secure, Path=/ and no Domain. */
const hostOnly = (a: { secure: boolean; path: string; domain?: string }) =>
  a.secure && a.path === '/' && !a.domain

const nameFor = (a: { secure: boolean; path: string; domain?: string }) =>
  hostOnly(a) ? `__Host-${DEFAULT_COOKIE_NAME}` : DEFAULT_COOKIE_NAME

/**
 * The default session cookie name for these cookie options: `__Host-pgsid` when the cookie is Secure with
 * path '/' and no domain (the production default), so that no other origin (a sibling subdomain, plain
 * http) can set or shadow it; `pgsid` otherwise (development over http, a domain or a path).
 */
export function defaultCookieName(cookie: SessionCookieOptions = {}): string {
  return nameFor(resolveCookieAttributes(cookie))
}

/** Checks a cookie name against its attributes; browsers drop a prefixed cookie that breaks its rule. */
function assertCookieName(name: string, a: Omit<SessionCookieAttributes, 'maxAge' | 'expires'>): void {
  if (!TOKEN.test(name)) invalid('cookieName must be a cookie token (letters, digits, !#$%&*+-.^_`|~).')
  // Browsers match the prefixes case-insensitively (RFC 6265bis).
  if (/^__host-/i.test(name) && !hostOnly(a)) {
    invalid(
      "a cookieName starting with __Host- needs cookie.secure (on by default in production only; browsers accept Secure cookies from http://localhost), cookie.path '/' and no cookie.domain.",
    )
  }
  if (/^__secure-/i.test(name) && !a.secure) {
    invalid(
      'a cookieName starting with __Secure- needs cookie.secure (on by default in production only; browsers accept Secure cookies from http://localhost).',
    )
  }
}

export function resolveRequestOptions<TData extends object>(
  options: RequestSessionOptions<TData>,
): Resolved<TData> {
  if (!options?.store) invalid('request sessions need a store (a PgStore).')
  const secrets = assertSecrets(options.secrets)
  const cookie = resolveCookieAttributes(options.cookie)
  const cookieName = options.cookieName ?? nameFor(cookie)
  assertCookieName(cookieName, cookie)
  return {
    rolling: options.rolling === true,
    store: options.store as PgStore<TData>,
    secrets,
    cookieName,
    cookie,
    maxAge: assertMaxAge(options.maxAge ?? 1_209_600),
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
