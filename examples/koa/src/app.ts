/**
 * The Koa example as a factory, so the server, the tests and the benchmark build the same app: the same
 * routes, form field, pages and messages as the Express example (from `@pgstore/example-shared`). Every page
 * also answers `Accept: application/json`.
 *
 * @example
 * ```ts
 * const sessions = pgSessionStore<AppSession>({ db, createTable: true, userId: (d) => d.user })
 * createApp({ sessions }).listen(3001)
 * ```
 */
import Router from '@koa/router'
import {
  FLASH,
  homePage,
  parseName,
  sessionRows,
  sessionSecrets,
  sessionsPage,
} from '@pgstore/example-shared'
import type { PgSessionStore } from '@pgstore/koa'
import { sessionDefaults } from '@pgstore/koa'
import Koa, { type Context } from 'koa'
import session from 'koa-session'

/** What this app keeps in a session. */
export interface AppSession {
  user?: string
  views?: number
  flash?: string
}

export interface AppOptions {
  sessions: PgSessionStore<AppSession>
  /** Cookie signing keys, newest first; older ones still verify. @default `sessionSecrets()` */
  keys?: string[]
}

const MAX_FORM_BYTES = 4_096

export function createApp({ sessions, keys = sessionSecrets() }: AppOptions): Koa {
  const app = new Koa()
  app.keys = keys
  // Behind a TLS-terminating proxy in production, so that koa-session may send its Secure cookie.
  app.proxy = process.env.NODE_ENV === 'production'
  app.use(session(sessionDefaults({ store: sessions, maxAge: 7 * 86_400_000, rolling: true }, app), app))

  const router = new Router()
  const s = (ctx: Context) => ctx.session as unknown as AppSession
  const takeFlash = (ctx: Context) => {
    const flash = s(ctx).flash
    delete s(ctx).flash
    return flash
  }
  const wantsJson = (ctx: Context) => ctx.accepts('html', 'json') === 'json'
  /** A redirect with 303, so the browser follows a POST with a GET, and an optional flash. */
  const back = (ctx: Context, to: string, flash?: string) => {
    if (flash) s(ctx).flash = flash
    ctx.status = 303
    ctx.redirect(to)
  }
  const requireUser = (ctx: Context): string | undefined => {
    const user = s(ctx).user
    if (user) return user
    if (wantsJson(ctx)) {
      ctx.status = 401
      ctx.body = { error: FLASH.logInFirst }
    } else back(ctx, '/', FLASH.logInFirst)
    return undefined
  }

  router.get('/', (ctx) => {
    const data = s(ctx)
    const views = (data.views ?? 0) + 1
    data.views = views
    const flash = takeFlash(ctx)
    const user = data.user ?? null
    ctx.body = wantsJson(ctx)
      ? { user, views, flash: flash ?? null }
      : homePage({ user, views, flash, framework: 'Koa' })
  })

  router.post('/login', async (ctx) => {
    const name = parseName((await readForm(ctx)).get('name'))
    if (!name) return back(ctx, '/', FLASH.badName)
    // A new id at login, so an id planted before it (session fixation) is worth nothing after it. The new
    // key records ctx.ip and the User-Agent (the store's `metadata` default), shown on /sessions.
    await ctx.session!.regenerate()
    Object.assign(s(ctx), { user: name })
    back(ctx, '/', FLASH.welcome(name))
  })

  router.post('/logout', async (ctx) => {
    // A new, empty session, as Express's regenerate gives: only the flash carries over.
    delete s(ctx).user
    delete s(ctx).views
    await ctx.session!.regenerate()
    back(ctx, '/', FLASH.loggedOut)
  })

  router.get('/sessions', async (ctx) => {
    const user = requireUser(ctx)
    if (!user) return
    // externalKey is the session's id as the store knows it: `current` marks this device in the list.
    const entries = await sessions.store.listByUser(user, { current: ctx.session!.externalKey })
    const flash = takeFlash(ctx)
    ctx.body = wantsJson(ctx)
      ? { sessions: sessionRows(entries), flash: flash ?? null }
      : sessionsPage({ user, entries, flash, framework: 'Koa' })
  })

  router.post('/sessions/revoke', async (ctx) => {
    const user = requireUser(ctx)
    if (!user) return
    const digest = (await readForm(ctx)).get('digest') ?? ''
    // Scoped to the user, so a digest of someone else's session revokes nothing.
    const gone = await sessions.store.destroyByDigest(digest, { userId: user })
    back(ctx, '/sessions', gone ? FLASH.revoked : FLASH.alreadyGone)
  })

  router.post('/sessions/revoke-others', async (ctx) => {
    const user = requireUser(ctx)
    if (!user) return
    const n = await sessions.store.destroyByUser(user, { except: ctx.session!.externalKey })
    back(ctx, '/sessions', FLASH.revokedOthers(n))
  })

  app.use(router.routes()).use(router.allowedMethods())
  return app
}

/** A small urlencoded form; the session cookie is SameSite=Lax, so other sites cannot post one with it. */
async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) return new URLSearchParams()
  let body = ''
  for await (const chunk of ctx.req) {
    body += chunk
    if (body.length > MAX_FORM_BYTES) ctx.throw(413, 'Form too large.')
  }
  return new URLSearchParams(body)
}
