import { looksLikeSessionCookie } from '@pgstore/next'
import { type NextRequest, NextResponse } from 'next/server'

/**
 * An optimistic gate: no cookie, no page. It reads no database, so it cannot know a session was revoked;
 * /sessions checks the session itself and redirects too.
 */
export function proxy(request: NextRequest) {
  if (looksLikeSessionCookie(request)) return NextResponse.next()
  return NextResponse.redirect(new URL('/login', request.url))
}

export const config = { matcher: ['/sessions'] }
