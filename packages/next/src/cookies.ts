/**
 * The bridge between Next.js cookie stores and core's {@link SessionCookieJar}: `cookies()` from
 * `next/headers` for getSession, and a request's `Cookie` header for withSession and hasSessionCookie.
 */
import { PgStoreError } from '@pgstore/core'
import { parseCookieHeader, type SessionCookieJar } from '@pgstore/core/web'

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

export function nextCookieJar(store: NextCookieStore): SessionCookieJar {
  return {
    get: (name) => store.get(name)?.value,
    set: (name, value, attributes) => write(() => store.set(name, value, { ...attributes })),
    // Deleting is writing an empty, expired cookie with the same path and domain, so it matches.
    delete: (name, attributes) =>
      write(() => store.set(name, '', { ...attributes, maxAge: 0, expires: new Date(0) })),
  }
}

/** The cookie's value in a request, from `request.cookies` (NextRequest) or the `Cookie` header. */
export function requestCookie(request: Request, name: string): string | undefined {
  const cookies = (request as { cookies?: NextCookieStore }).cookies
  if (cookies && typeof cookies.get === 'function') return cookies.get(name)?.value
  return parseCookieHeader(request.headers.get('cookie')).get(name)
}
