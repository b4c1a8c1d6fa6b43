/**
 * The Koa example as a factory, so the server, the tests and the benchmark build the same app.
 *
 * @example
 * ```ts
 * const { sessions } = await openStore()
 * createApp({ sessions, keys: ['a secret of at least 32 characters....'] }).listen(3001)
 * ```
 */
import Router from '@koa/router'
import type { PgSessionStore } from '@pgstore/koa'
import { sessionDefaults } from '@pgstore/koa'
import Koa, { type Context } from 'koa'
import session from 'koa-session'
import { homePage, sessionsPage } from './views.js'

/** What this app keeps in a session. */
export interface AppSession {
  user?: string
  views?: number
  flash?: string
}

export interface AppOptions {
  sessions: PgSessionStore<AppSession>
  /** Cookie signing keys, newest first; older ones still verify, so keys can rotate. */
  keys: string[]
}

const MAX_FORM_BYTES = 8_192

export function createApp({ sessions, keys }: AppOptions): Koa {
  const app = new Koa()
  app.keys = keys
  // Behind a TLS-terminating proxy in production, so that koa-session may send its Secure cookie.
  app.proxy = process.env.NODE_ENV === 'production'
  app.use(session(sessionDefaults({ store: sessions, maxAge: 86_400_000, rolling: true }, app), app))

  const router = new Router()
  const s = (ctx: Context) => ctx.session as unknown as AppSession
  const takeFlash = (ctx: Context) => {
    const flash = s(ctx).flash
    delete s(ctx).flash
    return flash
  }

  router.get('/', (ctx) => {
    const data = s(ctx)
    data.views = (data.views ?? 0) + 1
    ctx.body = homePage(data, takeFlash(ctx))
  })

  router.post('/login', async (ctx) => {
    const name = (await readForm(ctx)).get('name')?.trim() ?? ''
    if (!/^[\p{L}\p{N} ._-]{1,40}$/u.test(name)) {
      s(ctx).flash = 'Pick a name of 1 to 40 letters, digits, spaces, dots, dashes or underscores.'
      return ctx.redirect('/')
    }
    // A new id at sign-in, so an id planted before it (session fixation) is worth nothing after it.
    await ctx.session!.regenerate()
    // The new key records ctx.ip and the User-Agent (the store's `metadata` default), shown on /sessions.
    Object.assign(s(ctx), { user: name, flash: `Signed in as ${name}.` })
    ctx.redirect('/')
  })

  router.post('/logout', async (ctx) => {
    const data = s(ctx)
    delete data.user
    await ctx.session!.regenerate()
    data.flash = 'Signed out.'
    ctx.redirect('/')
  })

  router.get('/sessions', async (ctx) => {
    const user = s(ctx).user
    if (!user) return signInFirst(ctx)
    const entries = await sessions.store.listByUser(user, { current: ctx.session!.externalKey })
    ctx.body = sessionsPage(user, entries, takeFlash(ctx))
  })

  router.post('/sessions/revoke', async (ctx) => {
    const user = s(ctx).user
    if (!user) return signInFirst(ctx)
    const digest = (await readForm(ctx)).get('digest') ?? ''
    // Scoped to the user, so a digest of someone else's session revokes nothing.
    const gone = await sessions.store.destroyByDigest(digest, { userId: user })
    s(ctx).flash = gone ? 'That device was signed out.' : 'That session was already gone.'
    ctx.redirect('/sessions')
  })

  router.post('/sessions/revoke-others', async (ctx) => {
    const user = s(ctx).user
    if (!user) return signInFirst(ctx)
    const n = await sessions.store.destroyByUser(user, { except: ctx.session!.externalKey })
    s(ctx).flash = `Signed out ${n} other device(s).`
    ctx.redirect('/sessions')
  })

  app.use(router.routes()).use(router.allowedMethods())
  return app
}

function signInFirst(ctx: Context): void {
  ;(ctx.session as unknown as AppSession).flash = 'Sign in first.'
  ctx.redirect('/')
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
