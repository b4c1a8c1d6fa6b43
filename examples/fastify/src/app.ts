/**
 * The Fastify example as a factory, so the server and the tests build the same app: log in and out (each
 * with `regenerate`), a visit counter, a flash message after login, and a "your sessions" page that lists
 * the user's sessions and revokes one or all the others. The routes, form field, pages and messages are the
 * Express and Koa examples' (from `@pgstore/example-shared`). Every page also answers
 * `Accept: application/json`.
 *
 * @example
 * ```ts
 * const { app, store } = createApp({ db })
 * await app.listen({ port: 3002 })
 * ```
 */
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import type { AnyPgDatabase, SessionTable } from '@pgstore/core'
import {
  FLASH,
  homePage,
  parseName,
  sessionRows,
  sessionSecrets,
  sessionsPage,
} from '@pgstore/example-shared'
import { PgSessionStore, sessionDefaults } from '@pgstore/fastify'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface Session {
    user?: string
    views?: number
    flash?: string
  }
}

export interface AppOptions {
  db: AnyPgDatabase
  /** @default pgstore's `public.http_sessions` */
  table?: SessionTable
  /** Cookie signing secrets, newest first. @default `sessionSecrets()`: SESSION_SECRETS, or a random one */
  secret?: string[]
}

type Form = Record<string, string | undefined>
const MAX_FORM_BYTES = 4_096

const wantsJson = (request: FastifyRequest) => {
  const accept = request.headers.accept ?? ''
  return accept.includes('application/json') && !accept.includes('text/html')
}

function takeFlash(request: FastifyRequest): string | undefined {
  const flash = request.session.flash
  delete request.session.flash
  return flash
}

/** A redirect with 303, so the browser follows a POST with a GET, and an optional flash. */
function back(request: FastifyRequest, reply: FastifyReply, to: string, flash?: string): FastifyReply {
  if (flash) request.session.flash = flash
  return reply.redirect(to, 303)
}

function requireUser(request: FastifyRequest, reply: FastifyReply): string | undefined {
  if (request.session.user) return request.session.user
  if (wantsJson(request)) reply.code(401).send({ error: FLASH.logInFirst })
  else back(request, reply, '/', FLASH.logInFirst)
  return undefined
}

export function createApp(options: AppOptions): { app: FastifyInstance; store: PgSessionStore } {
  // Each new session records request.ip and the User-Agent (the store's `metadata` default), shown on /sessions.
  const store = new PgSessionStore({
    db: options.db,
    table: options.table,
    createTable: true,
    userId: (sess) => sess.user,
  })
  const app = Fastify()
  // A small urlencoded form; the session cookie is SameSite=Lax, so other sites cannot post one with it.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: MAX_FORM_BYTES },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )
  app.register(fastifyCookie)
  app.register(
    fastifySession,
    sessionDefaults({
      store,
      secret: options.secret ?? sessionSecrets(),
      cookie: { maxAge: 7 * 86_400_000 },
    }),
  )

  app.get('/', async (request, reply) => {
    const views = (request.session.views ?? 0) + 1
    request.session.views = views
    const flash = takeFlash(request)
    const user = request.session.user ?? null
    if (wantsJson(request)) return { user, views, flash: flash ?? null }
    return reply.type('text/html').send(homePage({ user, views, flash, framework: 'Fastify' }))
  })

  app.post<{ Body: Form }>('/login', async (request, reply) => {
    const name = parseName(request.body?.name)
    if (!name) return back(request, reply, '/', FLASH.badName)
    const views = request.session.views
    // A new id on login, so an id planted before login is worthless after it (session fixation).
    await request.session.regenerate()
    Object.assign(request.session, { user: name, views, flash: FLASH.welcome(name) })
    return reply.redirect('/', 303)
  })

  app.post('/logout', async (request, reply) => {
    // A new, empty session: only the flash carries over.
    await request.session.regenerate()
    return back(request, reply, '/', FLASH.loggedOut)
  })

  app.get('/sessions', async (request, reply) => {
    const user = requireUser(request, reply)
    if (!user) return reply
    const entries = await store.store.listByUser(user, { current: request.session.sessionId })
    const flash = takeFlash(request)
    if (wantsJson(request)) return { sessions: sessionRows(entries), flash: flash ?? null }
    return reply.type('text/html').send(sessionsPage({ user, entries, flash, framework: 'Fastify' }))
  })

  app.post<{ Body: Form }>('/sessions/revoke', async (request, reply) => {
    const user = requireUser(request, reply)
    if (!user) return reply
    // Scoped to the user: a digest from someone else's list deletes nothing.
    const gone = await store.store.destroyByDigest(String(request.body?.digest ?? ''), { userId: user })
    return back(request, reply, '/sessions', gone ? FLASH.revoked : FLASH.alreadyGone)
  })

  app.post('/sessions/revoke-others', async (request, reply) => {
    const user = requireUser(request, reply)
    if (!user) return reply
    const n = await store.store.destroyByUser(user, { except: request.session.sessionId })
    return back(request, reply, '/sessions', FLASH.revokedOthers(n))
  })

  app.setErrorHandler(
    (err: Error & { code?: string; status?: number; statusCode?: number }, _request, reply) => {
      console.error(`request failed: ${err.code ?? err.name}`)
      // PgStoreError carries a status: 503 while the database is away, 413 for an oversize session.
      const status = err.status ?? err.statusCode ?? 500
      return reply
        .code(status)
        .type('text/plain')
        .send(
          status === 503 ? 'Try again in a moment.' : status < 500 ? err.message : 'Something went wrong.',
        )
    },
  )
  return { app, store }
}
