/**
 * koa-session's external store contract, translated onto a PgStore. Every rule (expiry, touch throttling,
 * hashing, size limits, errors) stays in @pgstore/core; this file only maps arguments.
 *
 * @example
 * ```ts
 * const store = pgSessionStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * app.use(session({ store, maxAge: 86_400_000 }, app))
 * ```
 */
import type { ExpiryOptions, PgStore, PgStoreOptions, SessionData, SessionMeta } from '@pgstore/core'
import { resolveStore } from '@pgstore/core/adapter'

/** koa-session's `maxAge`: milliseconds, or `'session'` for a browser-session cookie. */
export type KoaMaxAge = number | 'session'

/** What koa-session keeps in the store: the session's fields plus its own `_maxAge`/`_session` marks. */
export type KoaSessionData = Record<string, unknown>

/** The Koa context koa-session hands the store (it types it `any`): what the default `metadata` reads, and the rest. */
export type KoaContextLike = { ip: string; get(field: string): string } & Record<string, any>

/** Options for {@link pgSessionStore}: a new PgStore's options, or an existing store. */
export type PgSessionStoreOptions<TData extends object = SessionData> = (
  | PgStoreOptions<TData>
  | {
      /** A PgStore you already have; you close it. */
      store: PgStore<TData>
    }
) & {
  /**
   * What a new session records about the request that creates it, for device lists (`listByUser`):
   * `ctx.ip` (behind a proxy, set `app.proxy`) and the `User-Agent` header by default; a function of the
   * context to record something else; `false` to record nothing. Core cuts and cleans it.
   * @default (ctx) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent') })
   */
  metadata?: false | ((ctx: KoaContextLike) => SessionMeta | null | undefined)
}

const contextMeta = (ctx: KoaContextLike): SessionMeta => ({
  ip: ctx.ip,
  userAgent: typeof ctx.get === 'function' ? ctx.get('user-agent') : undefined,
})

/** koa-session's external store, backed by PostgreSQL. Pass it as koa-session's `store` option. */
export interface PgSessionStore<TData extends object = SessionData> {
  /**
   * The session for `key`, or null when missing or expired. For a numeric maxAge its `_expire` is what
   * koa-session computed when it last saved or touched it (the row's expiry less koa-session's 10 s), so
   * koa-session's own expiry check and `renew` work as with any store; the row lives 10 s longer.
   */
  get(
    key: string,
    maxAge?: KoaMaxAge,
    options?: { rolling?: boolean; ctx?: object },
  ): Promise<KoaSessionData | null>
  /**
   * Writes the session with an expiry of `maxAge` ms from now (`'session'`: the store's ttl); as koa-session
   * calls it, 10 s past the `_expire` it computed, which `get` then returns. A save that only extends life
   * (`changed: false`, data as read in this request) becomes a throttled touch, whose touchAfter window is
   * at most half of koa-session's maxAge, so a `renew` is never skipped. A key the
   * request loaded is only updated, so a session revoked while the request ran stays revoked; a new key
   * inserts, recording the request's metadata. Without `ctx` (a call outside koa-session) it creates or
   * replaces.
   */
  set(
    key: string,
    sess: KoaSessionData,
    maxAge?: KoaMaxAge,
    options?: { rolling?: boolean; changed?: boolean; ctx?: object },
  ): Promise<void>
  /** Deletes the session. */
  destroy(key: string, options?: { ctx?: object }): Promise<void>
  /** The PgStore underneath: use it for `listByUser`, `destroyByUser`, `prune`. */
  readonly store: PgStore<TData>
  /** Closes the PgStore if this store created it from options; a `{ store }` passed in is yours to close. */
  close(): Promise<void>
}

/**
 * Creates koa-session's external store over PostgreSQL.
 *
 * @example
 * ```ts
 * import session from 'koa-session'
 * import { pgSessionStore, sessionDefaults } from '@pgstore/koa'
 *
 * app.keys = [process.env.SESSION_KEY!]
 * const store = pgSessionStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * app.use(session(sessionDefaults({ store, maxAge: 86_400_000 }, app), app))
 * ```
 */
export function pgSessionStore<TData extends object = SessionData>(
  options: PgSessionStoreOptions<TData>,
): PgSessionStore<TData> {
  const { metadata, ...rest } = options
  const { store, close } = resolveStore(
    rest as PgStoreOptions<TData> | { store: PgStore<TData> },
    '@pgstore/koa',
  )
  const metaOf = metadata === false ? undefined : (metadata ?? contextMeta)
  // What each request read, keyed by its Koa context. koa-session reports `changed: false` both for a
  // rolling/renew save and for a forced one (`save()`, `regenerate()`, a new `maxAge`); only a save whose
  // key and data equal what this request read is a pure extension of life, and may become a touch.
  const read = new WeakMap<object, { key: string; json: string }>()

  return {
    store,
    close,

    async get(key, _maxAge, { ctx } = {}) {
      const record = await store.getRecord(key)
      if (!record) return null
      const data = record.data as KoaSessionData
      if (ctx) read.set(ctx, { key, json: JSON.stringify(data) })
      // koa-session checks `_expire` itself and times `renew` from it. A touch moves only the row, so
      // `_expire` is never stored but derived: the row's expiry less the margin koa-session added to it.
      return typeof data._maxAge === 'number'
        ? { ...data, _expire: record.expiresAt.getTime() - KOA_STORE_MARGIN }
        : data
    },

    async set(key, sess, maxAge, { changed, ctx } = {}) {
      const { _expire, ...data } = sess
      const { expiry, margin } = expiryOf(sess, maxAge)
      const seen = ctx ? read.get(ctx) : undefined
      if (changed === false && seen?.key === key && seen.json === stringify(data)) {
        await store.touch(key, { ...expiry, margin, data: data as TData })
        return
      }
      if (!ctx) {
        await store.set(key, data as TData, expiry)
        return
      }
      // Only a key this request did not load is new. A loaded one whose row went while the request ran
      // (a logout elsewhere, "log out everywhere", a regenerate) was revoked, and its update writes nothing.
      if (seen?.key === key) await store.update(key, data as TData, expiry)
      else await store.create(key, data as TData, { ...expiry, meta: metaOf?.(ctx as KoaContextLike) })
      read.set(ctx, { key, json: JSON.stringify(data) })
    },

    async destroy(key, { ctx } = {}) {
      if (ctx) read.delete(ctx)
      await store.destroy(key)
    },
  }
}

/**
 * What koa-session 7 adds to the lifetime it asks the store for, "so the store outlives the cookie": its
 * save() sets `_expire = now + maxAge` and calls `store.set(key, json, maxAge + 10000, ...)`.
 */
const KOA_STORE_MARGIN = 10_000

/**
 * The row's expiry for a save. As koa-session calls it (`maxAge` is the session's `_maxAge` plus its
 * margin), the row expires exactly that margin after koa-session's own `_expire`, so `get` hands back the
 * `_expire` koa-session computed; the margin is not part of the lifetime the touch throttle halves.
 * Otherwise `maxAge` is the lifetime, and `'session'` (or none) the store's ttl.
 */
function expiryOf(
  sess: KoaSessionData,
  maxAge: KoaMaxAge | undefined,
): { expiry: ExpiryOptions; margin: number } {
  if (typeof maxAge !== 'number') return { expiry: {}, margin: 0 }
  const { _expire, _maxAge } = sess
  if (typeof _expire === 'number' && typeof _maxAge === 'number' && maxAge === _maxAge + KOA_STORE_MARGIN) {
    return { expiry: { expiresAt: _expire + KOA_STORE_MARGIN }, margin: KOA_STORE_MARGIN }
  }
  return { expiry: { ttl: maxAge }, margin: 0 }
}

/** Data that cannot be stringified is not what was read; core then refuses it with a proper error. */
function stringify(data: KoaSessionData): string | undefined {
  try {
    return JSON.stringify(data)
  } catch {
    return undefined
  }
}
