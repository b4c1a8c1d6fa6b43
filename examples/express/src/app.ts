/**
 * The example app: log in and out (each with `regenerate`), a visit counter, a flash message after login, and
 * a "your sessions" page that lists the user's sessions and revokes one or all the others. Every page also
 * answers `Accept: application/json`, which the tests and the benchmark use. The pages, the log-in rule and
 * the messages come from `@pgstore/example-shared`, the same as the Koa and Fastify examples'.
 *
 * @example
 * ```ts
 * const { app, store } = createApp({ db })
 * app.listen(3000)
 * ```
 */
import type { AnyPgDatabase, SessionTable } from '@pgstore/core'
import {
  FLASH,
  homePage,
  parseName,
  sessionRows,
  sessionSecrets,
  sessionsPage,
} from '@pgstore/example-shared'
import { PgSessionStore, sessionDefaults } from '@pgstore/express'
import express, { type ErrorRequestHandler, type Request, type Response } from 'express'
import session from 'express-session'

declare module 'express-session' {
  interface SessionData {
    user: string
    views: number
    flash: string
  }
}

export interface AppOptions {
  db: AnyPgDatabase
  /** @default pgstore's `public.http_sessions` */
  table?: SessionTable
  /** Cookie signing secrets, newest first. @default `sessionSecrets()`: SESSION_SECRETS, or a random one */
  secret?: string[]
}

/**
 * Regenerates the session (a new id, the old row deleted), copies `keep` into it, and saves it before the
 * caller answers: express-session would otherwise save after the response has gone, and a failed save could
 * not change a status already sent.
 */
function regenerate(req: Request, keep: Partial<session.SessionData>): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => {
      if (err) return reject(err)
      Object.assign(req.session, keep)
      req.session.save((saveErr) => (saveErr ? reject(saveErr) : resolve()))
    }),
  )
}

function takeFlash(req: Request): string | undefined {
  const flash = req.session.flash
  delete req.session.flash
  return flash
}

/** Back to the home page with a flash (303, so the browser follows with a GET). */
function back(req: Request, res: Response, to: string, flash?: string): void {
  if (flash) req.session.flash = flash
  res.redirect(303, to)
}

function requireUser(req: Request, res: Response): string | undefined {
  if (req.session.user) return req.session.user
  res.format({
    html: () => back(req, res, '/', FLASH.logInFirst),
    json: () => res.status(401).json({ error: FLASH.logInFirst }),
  })
  return undefined
}

export function createApp(options: AppOptions): { app: express.Express; store: PgSessionStore } {
  // Each new session records req.ip and the User-Agent (the store's `metadata` default), shown on /sessions.
  const store = new PgSessionStore({
    db: options.db,
    table: options.table,
    createTable: true,
    userId: (sess) => sess.user,
  })
  const app = express()
  app.use(express.urlencoded({ extended: false, limit: '4kb' }))
  app.use(
    session(
      sessionDefaults({
        store,
        secret: options.secret ?? sessionSecrets(),
        cookie: { maxAge: 7 * 86_400_000 },
      }),
    ),
  )
  // During a database outage express-session hands over no session (see the package README).
  app.use((req, res, next) => {
    if (req.session) return next()
    res.status(503).type('text').send('Sessions are unavailable for a moment; try again shortly.')
  })

  app.get('/', (req, res) => {
    const views = (req.session.views ?? 0) + 1
    req.session.views = views
    const flash = takeFlash(req)
    const user = req.session.user ?? null
    res.format({
      html: () => res.send(homePage({ user, views, flash, framework: 'Express' })),
      json: () => res.json({ user, views, flash: flash ?? null }),
    })
  })

  app.post('/login', async (req, res) => {
    const name = parseName(req.body?.name)
    if (!name) return back(req, res, '/', FLASH.badName)
    // A new id on login, so an id planted before login is worthless after it (session fixation).
    await regenerate(req, { user: name, views: req.session.views, flash: FLASH.welcome(name) })
    res.redirect(303, '/')
  })

  app.post('/logout', async (req, res) => {
    await regenerate(req, { flash: FLASH.loggedOut })
    res.redirect(303, '/')
  })

  app.get('/sessions', async (req, res) => {
    const user = requireUser(req, res)
    if (!user) return
    const entries = await store.listByUser(user, { current: req.sessionID })
    const flash = takeFlash(req)
    res.format({
      html: () => res.send(sessionsPage({ user, entries, flash, framework: 'Express' })),
      json: () => res.json({ sessions: sessionRows(entries), flash: flash ?? null }),
    })
  })

  app.post('/sessions/revoke', async (req, res) => {
    const user = requireUser(req, res)
    if (!user) return
    // Scoped to the user: a digest from someone else's list deletes nothing.
    const gone = await store.destroyByDigest(String(req.body?.digest ?? ''), { userId: user })
    back(req, res, '/sessions', gone ? FLASH.revoked : FLASH.alreadyGone)
  })

  app.post('/sessions/revoke-others', async (req, res) => {
    const user = requireUser(req, res)
    if (!user) return
    const n = await store.destroyByUser(user, { except: req.sessionID })
    back(req, res, '/sessions', FLASH.revokedOthers(n))
  })

  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    // express-session saves after the response has started; such an error cannot change the response.
    if (res.headersSent) return next(err)
    console.error(`request failed: ${(err as { code?: string }).code ?? (err as Error).name}`)
    // PgStoreError carries a status: 503 while the database is away, 413 for an oversize session.
    const status = (err as { status?: number }).status ?? 500
    res
      .status(status)
      .type('text')
      .send(status === 503 ? 'Try again in a moment.' : 'Something went wrong.')
  }
  app.use(onError)
  return { app, store }
}
