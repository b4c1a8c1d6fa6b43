/**
 * The example app: log in and out (each with `regenerate`), a visit counter, a flash message after login, and
 * a "your sessions" page that lists the user's sessions and revokes the others. Every page also answers
 * `Accept: application/json`, which the tests and the benchmark use.
 *
 * @example
 * ```ts
 * const { app, store } = createApp({ db })
 * app.listen(3000)
 * ```
 */
import type { AnyPgDatabase, SessionTable } from '@pgstore/core'
import { PgSessionStore, sessionDefaults } from '@pgstore/express'
import express, { type ErrorRequestHandler, type Request, type Response } from 'express'
import session from 'express-session'
import { escapeHtml, layout, shortAgent } from './html'

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
  /** Cookie signing secrets, newest first. @default SESSION_SECRET, or a fixed development secret */
  secret?: string[]
}

const DEV_SECRET = 'pgstore-example-development-secret-change-me'

function secrets(): string[] {
  const fromEnv = process.env.SESSION_SECRET
  if (fromEnv) return fromEnv.split(',')
  if (process.env.NODE_ENV === 'production')
    throw new Error('Set SESSION_SECRET (comma-separated, newest first).')
  return [DEV_SECRET]
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

function requireUser(req: Request, res: Response): string | undefined {
  if (req.session.user) return req.session.user
  res.format({
    html: () => res.redirect(303, '/'),
    json: () => res.status(401).json({ error: 'log in first' }),
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
      sessionDefaults({ store, secret: options.secret ?? secrets(), cookie: { maxAge: 7 * 86_400_000 } }),
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
      html: () =>
        res.send(
          layout(
            'pgstore + Express',
            `${flash ? `<p class="flash">${escapeHtml(flash)}</p>` : ''}
<p>You have visited this page <strong>${views}</strong> time${views === 1 ? '' : 's'}.</p>
${
  user
    ? `<p>Signed in as <strong>${escapeHtml(user)}</strong>. <a href="/sessions">Your sessions</a></p>
<form method="post" action="/logout"><button>Log out</button></form>`
    : `<form method="post" action="/login"><label>Name <input name="username" required maxlength="64"></label>
<button>Log in</button></form>`
}`,
          ),
        ),
      json: () => res.json({ user, views, flash: flash ?? null }),
    })
  })

  app.post('/login', async (req, res) => {
    const username = String(req.body?.username ?? '').trim()
    if (!username || username.length > 64)
      return void res.status(400).send('A name of 1 to 64 characters, please.')
    // A new id on login, so an id planted before login is worthless after it (session fixation).
    await regenerate(req, {
      user: username,
      views: req.session.views,
      flash: `Welcome, ${username}!`,
    })
    res.redirect(303, '/')
  })

  app.post('/logout', async (req, res) => {
    await regenerate(req, { flash: 'You are logged out.' })
    res.redirect(303, '/')
  })

  app.get('/sessions', async (req, res) => {
    const user = requireUser(req, res)
    if (!user) return
    const list = await store.listByUser(user, { current: req.sessionID })
    const rows = list.map((s) => ({
      digest: s.digest,
      current: s.current,
      agent: shortAgent(s.meta?.userAgent),
      userAgent: s.meta?.userAgent ?? null,
      createdAt: s.createdAt.toISOString(),
      // Last write or touch: express-session touches on every request, so this is "last seen" to touchAfter.
      lastSeen: s.updatedAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
    }))
    res.format({
      html: () =>
        res.send(
          layout(
            'Your sessions',
            `<table><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th></th></tr>
${rows
  .map(
    (r) =>
      `<tr><td title="${escapeHtml(r.userAgent ?? '')}">${escapeHtml(r.agent)}</td><td>${r.createdAt}</td><td>${r.lastSeen}</td><td>${
        r.current
          ? 'this device'
          : `<form method="post" action="/sessions/revoke"><input type="hidden" name="digest" value="${escapeHtml(r.digest)}"><button>Revoke</button></form>`
      }</td></tr>`,
  )
  .join('\n')}</table>
<form method="post" action="/sessions/revoke-others"><button>Log out all other devices</button></form>
<p><a href="/">Home</a></p>`,
          ),
        ),
      json: () => res.json({ sessions: rows }),
    })
  })

  app.post('/sessions/revoke', async (req, res) => {
    const user = requireUser(req, res)
    if (!user) return
    // Scoped to the user: a digest from someone else's list deletes nothing.
    await store.destroyByDigest(String(req.body?.digest ?? ''), { userId: user })
    res.redirect(303, '/sessions')
  })

  app.post('/sessions/revoke-others', async (req, res) => {
    const user = requireUser(req, res)
    if (!user) return
    await store.destroyByUser(user, { except: req.sessionID })
    res.redirect(303, '/sessions')
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
