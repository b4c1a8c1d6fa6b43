/**
 * The Hono example as a factory, so the server and the tests build the same app: log in and out (each
 * with a new session id), a visit counter, a flash message after login, and a "your sessions" page that
 * lists the user's sessions and revokes one or all the others. The routes, form field, pages and messages
 * are the Express, Koa and Fastify examples' (from `@pgstore/example-shared`). Every page also answers
 * `Accept: application/json`.
 *
 * @example
 * ```ts
 * const { app, store } = createApp({ db })
 * serve({ fetch: app.fetch, port: 3003 })
 * ```
 */
import type { HttpBindings } from '@hono/node-server'
import { type AnyPgDatabase, PgStore, type SessionTable } from '@pgstore/core'
import {
  FLASH,
  homePage,
  parseName,
  sessionRows,
  sessionSecrets,
  sessionsPage,
} from '@pgstore/example-shared'
import { isPgStoreError, pgSession, type Session, type SessionEnv } from '@pgstore/hono'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

type Data = { user?: string; views?: number }
type Env = SessionEnv<Data> & { Bindings: Partial<HttpBindings> }
type Ctx = Context<Env>

export interface AppOptions {
  db: AnyPgDatabase
  /** @default pgstore's `public.http_sessions` */
  table?: SessionTable
  /** Cookie signing secrets, newest first. @default `sessionSecrets()`: SESSION_SECRETS, or a random one */
  secret?: string[]
}

const MAX_FORM_BYTES = 4_096

const wantsJson = (c: Ctx) => {
  const accept = c.req.header('accept') ?? ''
  return accept.includes('application/json') && !accept.includes('text/html')
}

/** The latest flash, as the other examples keep one: an unshown older one is dropped with it. */
const takeFlash = (session: Session<Data>) => session.flashes<string>('message').at(-1)

/** A redirect with 303, so the browser follows a POST with a GET, and an optional flash. */
function back(c: Ctx, to: string, flash?: string): Response {
  if (flash) c.get('session').flash('message', flash)
  return c.redirect(to, 303)
}

/** The signed-in user, or the answer to give instead: 401 for JSON, back home with a flash for a browser. */
function requireUser(c: Ctx): string | Response {
  const user = c.get('session').get('user')
  if (user) return user
  return wantsJson(c) ? c.json({ error: FLASH.logInFirst }, 401) : back(c, '/', FLASH.logInFirst)
}

/** A small urlencoded form's field, as a string ('' when absent). */
async function field(c: Ctx, name: string): Promise<string> {
  const value = (await c.req.parseBody())[name]
  return typeof value === 'string' ? value : ''
}

export function createApp(options: AppOptions): { app: Hono<Env>; store: PgStore<Data> } {
  const store = new PgStore<Data>({
    db: options.db,
    table: options.table,
    createTable: true,
    userId: (data) => data.user,
  })
  const app = new Hono<Env>()
  // Over 4 KB is refused before the session loads; the cookie is SameSite=Lax, so other sites cannot post.
  app.use(bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => c.text('That form is too large.', 413) }))
  app.use(
    pgSession<Data>({
      store,
      secrets: options.secret ?? sessionSecrets(),
      maxAge: 7 * 86_400,
      // What the other examples record at login: the client address (none through app.request) and the UA.
      metadata: (c: Ctx) => ({
        ip: c.env?.incoming?.socket.remoteAddress,
        userAgent: c.req.header('user-agent'),
      }),
    }),
  )

  app.get('/', (c) => {
    const session = c.get('session')
    const views = (session.get('views') ?? 0) + 1
    session.set('views', views)
    const flash = takeFlash(session)
    const user = session.get('user') ?? null
    if (wantsJson(c)) return c.json({ user, views, flash: flash ?? null })
    return c.html(homePage({ user, views, flash, framework: 'Hono' }))
  })

  app.post('/login', async (c) => {
    const name = parseName(await field(c, 'name'))
    if (!name) return back(c, '/', FLASH.badName)
    const session = c.get('session')
    // A new id on login (the data moves with it), so an id planted before login is worthless after it.
    await session.regenerate()
    session.set('user', name)
    return back(c, '/', FLASH.welcome(name))
  })

  app.post('/logout', async (c) => {
    // Deletes the row; the session is then new and empty, and only the flash is saved into it.
    await c.get('session').destroy()
    return back(c, '/', FLASH.loggedOut)
  })

  app.get('/sessions', async (c) => {
    const user = requireUser(c)
    if (typeof user !== 'string') return user
    const session = c.get('session')
    const entries = await store.listByUser(user, { current: session.id })
    const flash = takeFlash(session)
    if (wantsJson(c)) return c.json({ sessions: sessionRows(entries), flash: flash ?? null })
    return c.html(sessionsPage({ user, entries, flash, framework: 'Hono' }))
  })

  app.post('/sessions/revoke', async (c) => {
    const user = requireUser(c)
    if (typeof user !== 'string') return user
    // Scoped to the user: a digest from someone else's list deletes nothing.
    const gone = await store.destroyByDigest(await field(c, 'digest'), { userId: user })
    return back(c, '/sessions', gone ? FLASH.revoked : FLASH.alreadyGone)
  })

  app.post('/sessions/revoke-others', async (c) => {
    const user = requireUser(c)
    if (typeof user !== 'string') return user
    const n = await store.destroyByUser(user, { except: c.get('session').id })
    return back(c, '/sessions', FLASH.revokedOthers(n))
  })

  app.onError((err, c) => {
    // pgSession throws an HTTPException whose cause is the PgStoreError; a route's own store call throws
    // the PgStoreError itself. Either carries the status: 503 while the database is away.
    const pgErr = isPgStoreError(err) ? err : isPgStoreError(err.cause) ? err.cause : undefined
    console.error(`request failed: ${pgErr?.code ?? err.name}`)
    const status = (pgErr?.status ??
      (err instanceof HTTPException ? err.status : 500)) as ContentfulStatusCode
    const text =
      status === 503 ? 'Try again in a moment.' : status < 500 ? err.message : 'Something went wrong.'
    return c.text(text, status)
  })
  return { app, store }
}
