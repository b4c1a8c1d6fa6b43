/**
 * The bridge between Next.js cookie stores and core's {@link SessionCookieJar}: `cookies()` from
 * `next/headers` for getSession, and a request's `Cookie` header for withSession and hasSessionCookie.
 *
 * Duplicates: Next's cookie stores keep one value a name (the last one sent), so every value sent under a
 * name is read from the raw `Cookie` header instead, and core verifies each of them, as for `handle()`.
 */
import { PgStoreError } from '@pgstore/core'
import { parseCookieHeaderAll, type SessionCookieJar } from '@pgstore/core/web'

/** The part of Next's `cookies()` store pgstore uses (ReadonlyRequestCookies, or the mutable one). */
export interface NextCookieStore {
  get(name: string): { value: string } | undefined
  set(name: string, value: string, options?: Record<string, unknown>): unknown
}

const READ_ONLY_MESSAGE =
  'pgstore: cookies can only be written in a server action or route handler. A server component can read ' +
  'the session; call save(), regenerate() and destroy() from a server action or a route handler (withSession).'

/** Next throws ReadonlyRequestCookiesError from set/delete outside server actions and route handlers. */
function isReadOnlyCookiesError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  return (
    err.constructor?.name === 'ReadonlyRequestCookiesError' ||
    err.message.startsWith('Cookies can only be modified in a Server Action or Route Handler')
  )
}

function write(fn: () => void): void {
  try {
    fn()
  } catch (err) {
    if (isReadOnlyCookiesError(err)) throw new PgStoreError('READ_ONLY', READ_ONLY_MESSAGE, { cause: err })
    throw err
  }
}

/**
 * A jar over Next's cookie store. With the request's raw `Cookie` header, `getAll` gives every value sent
 * under a name, in header order, as long as the store still holds one of them; a value this request
 * wrote (or a delete) is in the store only, and then the store's value is all there is.
 */
export function nextCookieJar(store: NextCookieStore, cookieHeader?: string | null): SessionCookieJar {
  const sent = cookieHeader === undefined ? undefined : parseCookieHeaderAll(cookieHeader)
  return {
    get: (name) => store.get(name)?.value,
    ...(sent && {
      getAll(name: string): string[] {
        const current = store.get(name)?.value
        if (current === undefined) return []
        const values = sent.get(name) ?? []
        return values.includes(current) ? [...values] : [current]
      },
    }),
    // Next writes Max-Age as given; a whole number of seconds is the only form browsers read.
    set: (name, value, attributes) =>
      write(() => store.set(name, value, { ...attributes, maxAge: Math.floor(attributes.maxAge) })),
    // Deleting is writing an empty, expired cookie with the same path and domain, so it matches.
    delete: (name, attributes) =>
      write(() => store.set(name, '', { ...attributes, maxAge: 0, expires: new Date(0) })),
  }
}

/**
 * Every value of the cookie `name` in a request, in header order, from its `Cookie` header. Not from a
 * NextRequest's `request.cookies`, which keeps only the last of two same-named cookies (Next writes
 * `request.cookies.set` through to the header, so nothing is missed).
 */
export function requestCookies(request: Request, name: string): string[] {
  return parseCookieHeaderAll(request.headers.get('cookie')).get(name) ?? []
}
