/**
 * A real Fastify 5 app with @fastify/cookie and @fastify/session over a PgSessionStore, with the routes the
 * flow tests drive. `midRequest` lets a test act on the database while a request that loaded the session
 * is still running, without timers.
 */
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import Fastify, { type FastifyInstance } from 'fastify'
import { type PgSessionStore, type SessionDefaultsOptions, sessionDefaults } from '../src'

declare module 'fastify' {
  interface Session {
    views?: number
    user?: string
  }
}

export const TEST_SECRET = 'a-test-secret-of-at-least-32-characters'

export interface AppHooks {
  /** Runs after the session was loaded and before the route answers. */
  midRequest?: (sid: string) => Promise<void>
}

export async function createApp(
  store: PgSessionStore,
  options: Partial<SessionDefaultsOptions> = {},
  hooks: AppHooks = {},
): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fastifyCookie)
  await app.register(fastifySession, sessionDefaults({ store, secret: TEST_SECRET, ...options }))
  app.get('/whoami', async (req) => ({
    id: req.session.sessionId,
    views: req.session.views ?? 0,
    user: req.session.user ?? null,
  }))
  app.post('/views', async (req) => {
    req.session.views = (req.session.views ?? 0) + 1
    return { id: req.session.sessionId, views: req.session.views }
  })
  app.post<{ Params: { user: string } }>('/login/:user', async (req) => {
    // A new id at login, so an id planted before it (session fixation) is worth nothing after it.
    await req.session.regenerate(['views'])
    req.session.user = req.params.user
    return { id: req.session.sessionId, user: req.session.user }
  })
  app.post('/logout', async (req) => {
    await req.session.destroy()
    return { ok: true }
  })
  app.get('/slow-read', async (req) => {
    await hooks.midRequest!(req.session.sessionId)
    return { views: req.session.views ?? 0 }
  })
  app.post('/slow-write', async (req) => {
    await hooks.midRequest!(req.session.sessionId)
    req.session.views = (req.session.views ?? 0) + 1
    return { views: req.session.views }
  })
  await app.ready()
  return app
}

/** The `sessionId=...` pair of a response's Set-Cookie, or undefined. */
export function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const header = res.headers['set-cookie']
  const lines = Array.isArray(header) ? header : header === undefined ? [] : [String(header)]
  return lines.find((c: string) => c.startsWith('sessionId='))?.split(';')[0]
}
