/**
 * One session of one request: data changes stay in memory until `save()`, which writes the row and the
 * signed cookie through the request's {@link SessionCookieJar}.
 */
import { newSessionId, signCookieValue } from '../signing'
import type { SessionData, SessionMeta } from '../store/types'
import {
  assertMaxAge,
  isObject,
  type Meta,
  type Resolved,
  SESSION_META_KEY,
  type SessionCookieAttributes,
  type SessionCookieJar,
} from './options'

/** One session of one request. Data changes stay in memory until `save()`. */
export class Session<TData extends object = SessionData> {
  #id: string
  #isNew: boolean
  #data: Partial<TData>
  #meta: Meta
  #snapshot: string
  #revokedFlag = false
  readonly #jar: SessionCookieJar
  readonly #name: string
  readonly #config: Resolved<TData>
  /** The request's metadata, recorded when this session is created (save while new, regenerate). */
  readonly #request: SessionMeta | null

  /** @internal Built by {@link RequestSessions.load}. */
  constructor(
    config: Resolved<TData>,
    jar: SessionCookieJar,
    name: string,
    sid: string | null,
    row: unknown,
    request: SessionMeta | null = null,
  ) {
    this.#config = config
    this.#request = request
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
    this.#setCookie(this.#id, ttl)
    const store = this.#config.store
    const expiry = { ttl: ttl * 1000 }
    // Only a new session inserts: a loaded one whose row went while this request ran was revoked.
    const written = this.#isNew
      ? await store.create(this.#id, this.#row(), { ...expiry, meta: this.#request })
      : await store.update(this.#id, this.#row(), expiry)
    if (!written) return this.#revoked()
    this.#isNew = false
    this.#snapshot = this.#serialize()
  }

  /**
   * True once a save found this session's row gone: it was revoked (a logout elsewhere, "log out
   * everywhere", an expiry) while the request ran. Nothing was written, the cookie is cleared, and the
   * object is a new empty session.
   */
  get revoked(): boolean {
    return this.#revokedFlag
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
    // A touch that finds the row gone writes nothing, and the next request loads no session.
    const moved = await this.#config.store.touch(this.#id, { ttl: ttl * 1000, data: this.#row() })
    if (moved) this.#setCookie(this.#id, ttl)
    return moved
  }

  /**
   * Sends the cookie this session stands for, without touching the row: for a saved session its signed id
   * again, for `maxAge` from now; for a new one (nothing stored) an expired cookie, so a stale one goes. For
   * a framework whose commit must always answer with a `Set-Cookie` (React Router's `commitSession`) when
   * nothing was written: {@link touch} was throttled, or a new session holds nothing. The row outlives the
   * cookie's start by at most the store's `touchAfter`; a cookie that outlives its row loads a new session.
   * Returns true when it sent the session's id, false when it cleared the cookie.
   */
  resendCookie(): boolean {
    if (this.#isNew) {
      this.#jar.delete(this.#name, this.#attributes(0))
      return false
    }
    this.#setCookie(this.#id, this.maxAge)
    return true
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
    this.#reset()
  }

  /**
   * Moves the data to a new id and deletes the old row: call it when privileges change (log in) so an id
   * known before cannot be used after (session fixation). Saves at once.
   */
  async regenerate(): Promise<void> {
    const old = this.#isNew ? null : this.#id
    const fresh = newSessionId()
    const ttl = this.maxAge
    this.#setCookie(fresh, ttl)
    this.#id = fresh
    await this.#config.store.create(fresh, this.#row(), { ttl: ttl * 1000, meta: this.#request })
    this.#isNew = false
    this.#snapshot = this.#serialize()
    if (old) await this.#config.store.destroy(old)
  }

  /** Sends the cookie for `id`, signed for this session's cookie name, for `ttl` seconds. */
  #setCookie(id: string, ttl: number): void {
    this.#jar.set(this.#name, signCookieValue(this.#name, id, this.#config.secrets), this.#attributes(ttl))
  }

  #revoked(): void {
    this.#jar.delete(this.#name, this.#attributes(0))
    this.#reset()
    this.#revokedFlag = true
  }

  #reset(): void {
    this.#id = newSessionId()
    this.#isNew = true
    this.#data = {}
    this.#meta = {}
    this.#snapshot = this.#serialize()
  }

  /** What the row stores: the data so far (a Partial until the app fills it) and pgstore's reserved key. */
  #row(): TData {
    const meta = Object.keys(this.#meta).length > 0 ? { [SESSION_META_KEY]: this.#meta } : {}
    return { ...this.#data, ...meta } as TData
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
