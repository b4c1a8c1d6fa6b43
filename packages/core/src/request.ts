/**
 * Request-level sessions, framework-free: read the session cookie, verify its signature, load the row, hand
 * out a {@link Session}, and on save write the row and the signed cookie. An adapter (@pgstore/next) only
 * supplies a {@link SessionCookieJar} over its framework's cookies.
 *
 * @example
 * ```ts
 * const sessions = createRequestSessions<{ userId?: string }>({ store, secrets: [process.env.SESSION_SECRET!] })
 * const jar = createHeaderCookieJar(request.headers.get('cookie'))
 * const session = await sessions.load(jar)
 * session.set('userId', 'u1')
 * await session.save()
 * for (const line of jar.setCookieHeaders()) response.headers.append('set-cookie', line)
 * ```
 *
 * A tampered, unknown, expired or oversized cookie gives a new empty session, never an error. A new session
 * never reuses the id the client sent, so a planted id cannot be fixed onto a victim.
 */
import { assertSecrets, isSessionId, newSessionId, signCookieValue, unsignCookieValue } from './cookie'
import { PgStoreError } from './errors'
import type { PgStore, SessionData } from './store'

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
  get(name: string): string | undefined
  /** May throw when the framework forbids writes here (the adapter turns that into `READ_ONLY`). */
  set(name: string, value: string, attributes: SessionCookieAttributes): void
  delete(name: string, attributes: SessionCookieAttributes): void
}

export interface RequestSessionOptions {
  /** Where rows live. */
  store: PgStore<any>
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

interface Meta {
  flash?: Record<string, unknown[]>
  maxAge?: number
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

interface Resolved {
  rolling: boolean
  store: PgStore<any>
  secrets: readonly string[]
  cookieName: string
  cookie: Omit<SessionCookieAttributes, 'maxAge' | 'expires'>
  maxAge: number
}

function invalid(message: string): never {
  throw new PgStoreError('INVALID_OPTIONS', `pgstore: ${message}`)
}

function assertMaxAge(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    invalid('maxAge must be a positive number of seconds.')
  }
  return value
}

function resolve(options: RequestSessionOptions): Resolved {
  if (!options?.store) invalid('createSessions needs a store (a PgStore or PgStore options).')
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
    store: options.store,
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

/** One session of one request. Data changes stay in memory until `save()`. */
export class Session<TData extends object = SessionData> {
  #id: string
  #isNew: boolean
  #data: Partial<TData>
  #meta: Meta
  #snapshot: string
  readonly #jar: SessionCookieJar
  readonly #name: string
  readonly #config: Resolved

  /** @internal Built by {@link RequestSessions.load}. */
  constructor(config: Resolved, jar: SessionCookieJar, name: string, sid: string | null, row: unknown) {
    this.#config = config
    this.#jar = jar
    this.#name = name
    const { [SESSION_META_KEY]: meta, ...data } = (row ?? {}) as Record<string, unknown>
    this.#id = sid ?? newSessionId()
    this.#isNew = sid === null
    this.#data = data as Partial<TData>
    this.#meta = isObject(meta) ? (meta as Meta) : {}
    this.#snapshot = this.#serialize()
  }

  /** The session id. It is the cookie's secret: never log it. */
  get id(): string {
    return this.#id
  }

  /** True until the session has been saved: the request brought no valid session cookie. */
  get isNew(): boolean {
    return this.#isNew
  }

  /** The session's data; changes made here are saved too. */
  get data(): Partial<TData> {
    return this.#data
  }

  /** Lifetime from the next save, in seconds. Kept with the session, so "remember me" can lengthen it. */
  get maxAge(): number {
    return this.#meta.maxAge ?? this.#config.maxAge
  }

  set maxAge(seconds: number) {
    assertMaxAge(seconds)
    if (seconds === this.#config.maxAge) delete this.#meta.maxAge
    else this.#meta.maxAge = seconds
  }

  /** True when data, flashes or maxAge differ from what was loaded or last saved. */
  get modified(): boolean {
    return this.#serialize() !== this.#snapshot
  }

  get<K extends keyof TData>(key: K): TData[K] | undefined {
    return this.#data[key]
  }

  set<K extends keyof TData>(key: K, value: TData[K]): void {
    this.#data[key] = value
  }

  unset(key: keyof TData): void {
    delete this.#data[key]
  }

  /** Adds a message that {@link flashes} returns once, on this or a later request. */
  flash(key: string, value: unknown): void {
    this.#meta.flash ??= {}
    this.#meta.flash[key] = [...(this.#meta.flash[key] ?? []), value]
  }

  /** Returns the messages flashed under `key` and removes them; the removal is kept by the next save. */
  flashes<V = unknown>(key: string): V[] {
    const flash = this.#meta.flash
    const values = (flash?.[key] ?? []) as V[]
    if (flash && key in flash) {
      delete flash[key]
      if (Object.keys(flash).length === 0) delete this.#meta.flash
    }
    return values
  }

  /**
   * Writes the row and the signed cookie, both for `maxAge` from now. The cookie is written first: where
   * the framework forbids cookie writes, this throws before the database is touched.
   * @throws PgStoreError `READ_ONLY` (from the adapter), `SESSION_TOO_LARGE`, `NOT_SERIALIZABLE`
   */
  async save(): Promise<void> {
    const ttl = this.maxAge
    this.#jar.set(this.#name, signCookieValue(this.#id, this.#config.secrets), this.#attributes(ttl))
    await this.#config.store.set(this.#id, this.#row(), { ttl: ttl * 1000 })
    this.#isNew = false
    this.#snapshot = this.#serialize()
  }

  /**
   * Extends a saved session for `maxAge` from now without rewriting its data: moves the row's expiry and
   * re-sends the cookie. Returns false, writing nothing, inside the store's `touchAfter` of the last write
   * and for a session never saved.
   * @throws PgStoreError `READ_ONLY` where the framework forbids cookie writes (after the row moved)
   */
  async touch(): Promise<boolean> {
    if (this.#isNew) return false
    const ttl = this.maxAge
    const moved = await this.#config.store.touch(this.#id, { ttl: ttl * 1000 })
    if (moved)
      this.#jar.set(this.#name, signCookieValue(this.#id, this.#config.secrets), this.#attributes(ttl))
    return moved
  }

  /**
   * What an adapter runs when a request ends: saves a modified session, or touches an unmodified one when
   * `rolling` is on.
   */
  async commit(): Promise<void> {
    if (this.modified) await this.save()
    else if (this.#config.rolling) await this.touch()
  }

  /** Deletes the row and the cookie. The object becomes a new empty session, saved only if written again. */
  async destroy(): Promise<void> {
    this.#jar.delete(this.#name, this.#attributes(0))
    await this.#config.store.destroy(this.#id)
    this.#id = newSessionId()
    this.#isNew = true
    this.#data = {}
    this.#meta = {}
    this.#snapshot = this.#serialize()
  }

  /**
   * Moves the data to a new id and deletes the old row: call it when privileges change (log in) so an id
   * known before cannot be used after (session fixation). Saves at once.
   */
  async regenerate(): Promise<void> {
    const old = this.#isNew ? null : this.#id
    const fresh = newSessionId()
    const ttl = this.maxAge
    this.#jar.set(this.#name, signCookieValue(fresh, this.#config.secrets), this.#attributes(ttl))
    this.#id = fresh
    await this.#config.store.set(fresh, this.#row(), { ttl: ttl * 1000 })
    this.#isNew = false
    this.#snapshot = this.#serialize()
    if (old) await this.#config.store.destroy(old)
  }

  #row(): Record<string, unknown> {
    const meta = Object.keys(this.#meta).length > 0 ? { [SESSION_META_KEY]: this.#meta } : {}
    return { ...this.#data, ...meta }
  }

  #serialize(): string {
    try {
      return JSON.stringify(this.#row())
    } catch {
      // Data JSON cannot hold counts as modified, so save() reports it with NOT_SERIALIZABLE.
      return '\u0000unserializable'
    }
  }

  #attributes(maxAge: number): SessionCookieAttributes {
    return { ...this.#config.cookie, maxAge, expires: new Date(Date.now() + maxAge * 1000) }
  }
}

/** What {@link createRequestSessions} returns. */
export interface RequestSessions<TData extends object = SessionData> {
  /** The default cookie name, and the one of each named session. */
  cookieNameFor(name?: string): string
  /** Reads, verifies and loads the session. Cookie trouble gives a new empty session; DB errors throw. */
  load(jar: SessionCookieJar, name?: string): Promise<Session<TData>>
  /** True when the cookie holds a well-signed session id. No database access: the row may be gone. */
  verifyCookie(value: string | undefined | null): boolean
  readonly store: PgStore<any>
}

export function createRequestSessions<TData extends object = SessionData>(
  options: RequestSessionOptions,
): RequestSessions<TData> {
  const config = resolve(options)
  const cookieNameFor = (name?: string): string => {
    if (name === undefined || name === '') return config.cookieName
    if (!TOKEN.test(name)) invalid('a session name must be a cookie token (letters, digits, !#$%&*+-.^_`|~).')
    return `${config.cookieName}-${name}`
  }
  const sidOf = (value: string | undefined | null): string | null => {
    const sid = unsignCookieValue(value, config.secrets)
    return isSessionId(sid) ? sid : null
  }
  return {
    store: config.store,
    cookieNameFor,
    verifyCookie: (value) => sidOf(value) !== null,
    async load(jar, name) {
      const cookieName = cookieNameFor(name)
      const sid = sidOf(jar.get(cookieName))
      const record = sid ? await config.store.getRecord(sid) : null
      const row = record && isObject(record.data) ? record.data : null
      return new Session<TData>(config, jar, cookieName, row ? sid : null, row)
    },
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `Set-Cookie` header value for a cookie. */
export function serializeSetCookie(name: string, value: string, a: SessionCookieAttributes): string {
  let out = `${name}=${encodeURIComponent(value)}; Path=${a.path}`
  if (a.domain) out += `; Domain=${a.domain}`
  out += `; Max-Age=${Math.floor(a.maxAge)}; Expires=${(a.maxAge > 0 ? a.expires : new Date(0)).toUTCString()}`
  if (a.httpOnly) out += '; HttpOnly'
  if (a.secure) out += '; Secure'
  out += `; SameSite=${a.sameSite[0]!.toUpperCase()}${a.sameSite.slice(1)}`
  if (a.partitioned) out += '; Partitioned'
  return out
}

/** Cookies from a `Cookie` request header. The first of two same-named cookies wins, as in browsers' order. */
export function parseCookieHeader(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  if (!header) return cookies
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    if (!name || cookies.has(name)) continue
    let value = part.slice(eq + 1).trim()
    if (value.startsWith('"') && value.endsWith('"') && value.length > 1) value = value.slice(1, -1)
    try {
      cookies.set(name, decodeURIComponent(value))
    } catch {
      cookies.set(name, value)
    }
  }
  return cookies
}

/** A jar over a `Cookie` header that collects what to send back as `Set-Cookie` (one line per name). */
export interface HeaderCookieJar extends SessionCookieJar {
  setCookieHeaders(): string[]
}

export function createHeaderCookieJar(cookieHeader: string | null | undefined): HeaderCookieJar {
  const incoming = parseCookieHeader(cookieHeader)
  const outgoing = new Map<string, string>()
  return {
    get: (name) => incoming.get(name),
    set(name, value, attributes) {
      outgoing.set(name, serializeSetCookie(name, value, attributes))
      incoming.set(name, value)
    },
    delete(name, attributes) {
      outgoing.set(name, serializeSetCookie(name, '', { ...attributes, maxAge: 0 }))
      incoming.delete(name)
    },
    setCookieHeaders: () => [...outgoing.values()],
  }
}
