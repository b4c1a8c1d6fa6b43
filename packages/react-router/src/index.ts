/**
 * @pgstore/react-router: a React Router 7 `SessionStorage` stored in PostgreSQL by @pgstore/core. A
 * translation of core's web-standard request session (`@pgstore/core/web`) into React Router's
 * `getSession` / `commitSession` / `destroySession`.
 *
 * @example
 * ```ts
 * const { getSession, commitSession } = createPgSessionStorage<{ userId: string }>({
 *   store: { connectionString: process.env.DATABASE_URL },
 *   secrets: process.env.SESSION_SECRET,
 * })
 * export async function action({ request }: { request: Request }) {
 *   const session = await getSession(request.headers.get('Cookie'))
 *   session.set('userId', 'u1')
 *   return redirect('/', { headers: { 'Set-Cookie': await commitSession(session) } })
 * }
 * ```
 *
 * Not React Router's `createSessionStorage`: its `getSession` keeps an id whose row is gone and its
 * `commitSession` writes every time, so a commit could not tell a new session (create) from a loaded one
 * (update only if it still exists) nor skip an unchanged one (throttled touch).
 */
import { type PgStore, PgStoreError, type PgStoreOptions, type SessionData } from '@pgstore/core'
import { resolveStore, type SecretListInput, secretList } from '@pgstore/core/adapter'
import {
  type Session as CoreSession,
  createHeaderCookieJar,
  createRequestSessions,
  type HeaderCookieJar,
  type RequestMetadata,
  type RequestSessions,
  requestMetadata,
  type SessionCookieOptions,
} from '@pgstore/core/web'
import type { Session, SessionStorage } from 'react-router'

export { isPgStoreError, PgStoreError, type PgStoreErrorCode } from '@pgstore/core'
export type { SessionCookieOptions } from '@pgstore/core/web'
export { sessionDefaults } from './defaults'

export interface PgSessionStorageOptions {
  /** A PgStore, or the options to create one (it connects on first use; `close()` closes it). */
  store: PgStore<any> | PgStoreOptions<any>
  /** Signing secrets, at least 32 characters each; the first signs, every one verifies (rotation). */
  secrets: SecretListInput
  /**
   * The session cookie's name.
   * @default '__Host-pgsid' when the cookie is Secure with path '/' and no domain (production), else 'pgsid'
   */
  cookieName?: string
  /** Cookie attributes. @default httpOnly, SameSite=Lax, path '/', Secure when NODE_ENV is 'production' */
  cookie?: SessionCookieOptions
  /** Lifetime of a session (cookie and row) from its last save, in seconds. @default 1_209_600 (14 days) */
  maxAge?: number
  /**
   * What a session records about the request that created it, for device lists, when `getSession` is
   * given the `Request` (a Cookie header alone carries none). `false` records nothing.
   * @default the `User-Agent` header
   */
  metadata?: RequestMetadata
}

/** React Router's `SessionStorage` over a PgStore, with what React Router's has no word for. */
export interface PgSessionStorage<Data = SessionData, FlashData = Data>
  extends SessionStorage<Data, FlashData> {
  /**
   * React Router's `getSession(cookieHeader)`, or given the `Request` itself: its Cookie header, and what
   * a session it creates records (`metadata`: the User-Agent by default) for "your devices" lists.
   */
  getSession(source?: string | null | Request): Promise<Session<Data, FlashData>>
  /**
   * Moves the session to a new id at once and deletes the old row: call it on login, before
   * `commitSession`, so an id planted or known before cannot be used after (session fixation).
   */
  regenerateSession(session: Session<Data, FlashData>): Promise<void>
  readonly store: PgStore<any>
  /** Closes the store if it was created from options; a store passed in is yours to close. */
  close(): Promise<void>
}

const flashKey = (name: string) => `__flash_${name}__`
const has = (data: object, key: string) => Object.hasOwn(data, key)

/** React Router's `Session` (its flash convention included) over core's session of one request. */
function toRouterSession<Data, FlashData>(
  core: CoreSession<Record<string, unknown>>,
): Session<Data, FlashData> {
  return {
    /** '' until saved, as React Router's; then the raw id, the cookie's secret: never log it. */
    get id() {
      return core.isNew ? '' : core.id
    },
    get data() {
      return { ...core.data } as Session<Data, FlashData>['data']
    },
    has: (name) => has(core.data, name) || has(core.data, flashKey(name)),
    get(name) {
      if (has(core.data, name)) return core.data[name] as never
      const value = core.data[flashKey(name)]
      delete core.data[flashKey(name)]
      return value as never
    },
    set: (name, value) => {
      core.data[name] = value
    },
    flash: (name, value) => {
      core.data[flashKey(name)] = value
    },
    unset: (name) => {
      delete core.data[name]
    },
  }
}

/**
 * A React Router `SessionStorage` on PostgreSQL. `getSession` verifies the signed cookie (a tampered,
 * unknown or revoked one gives a new empty session); `commitSession` creates a new session that holds
 * something (one that holds nothing gets an expired cookie and no row), updates a loaded one only while
 * its row exists (a session destroyed elsewhere is not brought back: the answer clears the cookie), and
 * touches an unchanged one, throttled by the store's `touchAfter`;
 * `destroySession` deletes the row. Pass `{ maxAge }` to `commitSession` to change the session's lifetime.
 * @throws PgStoreError `INVALID_OPTIONS` for bad options, at once; from the methods, `DB_UNAVAILABLE` and
 * `TIMEOUT` (status 503) and `SESSION_TOO_LARGE` (413)
 */
export function createPgSessionStorage<Data = SessionData, FlashData = Data>(
  options: PgSessionStorageOptions,
): PgSessionStorage<Data, FlashData> {
  const secrets = secretList(options.secrets, '@pgstore/react-router', 'secrets')
  const { store, close } = resolveStore<any>(options.store, '@pgstore/react-router')
  let sessions: RequestSessions<Record<string, unknown>>
  try {
    sessions = createRequestSessions({ ...options, store, secrets })
  } catch (err) {
    void close()
    throw err
  }
  const loaded = new WeakMap<object, { core: CoreSession<Record<string, unknown>>; jar: HeaderCookieJar }>()
  const of = (session: object) => {
    const found = loaded.get(session)
    if (!found)
      throw new PgStoreError(
        'INVALID_OPTIONS',
        'pgstore: pass a session from the getSession of this storage.',
      )
    return found
  }
  const cookieLine = (jar: HeaderCookieJar) => jar.setCookieHeaders()[0]!
  return {
    store,
    close,
    async getSession(source) {
      const request = source instanceof Request ? source : undefined
      const jar = createHeaderCookieJar(
        request ? request.headers.get('cookie') : (source as string | null | undefined),
      )
      const meta = request ? requestMetadata(request, options.metadata) : null
      const core = await sessions.load(jar, undefined, { meta })
      const session = toRouterSession<Data, FlashData>(core)
      loaded.set(session, { core, jar })
      return session
    },
    async commitSession(session, commitOptions) {
      const { core, jar } = of(session)
      if (commitOptions?.maxAge !== undefined) core.maxAge = commitOptions.maxAge
      // React Router wants a cookie from every commit: when a touch is throttled (or a new session holds
      // nothing) the cookie is sent again (or cleared) with nothing written.
      if (core.modified) await core.save()
      else if (!(await core.touch())) core.resendCookie()
      return cookieLine(jar)
    },
    async destroySession(session) {
      const { core, jar } = of(session)
      await core.destroy()
      return cookieLine(jar)
    },
    regenerateSession: (session) => of(session).core.regenerate(),
  }
}
