/**
 * @pgstore/next's sessions outside a Next.js server. `withSession` reads the request's own Cookie header,
 * so only `cookies()` and React's `cache` need stand-ins. The package entry imports `server-only`, which
 * refuses to load outside Next's react-server build, so this binds the source module directly.
 *
 * @example
 * ```ts
 * const sessions = routeSessions<{ n?: number }>({ store: { db, table }, secrets: [SECRET] })
 * const handler = sessions.withSession(async (req, ctx, session) => Response.json(session.get('n')))
 * ```
 */
import { bindSessions, type CreateSessionsOptions, type Sessions } from '../../next/src/sessions'

export function routeSessions<TData extends object>(options: CreateSessionsOptions): Sessions<TData> {
  return bindSessions<TData>(options, {
    cookies: () => Promise.reject(new Error('only withSession is used outside a Next request')),
    cache: (fn) => fn,
  })
}
