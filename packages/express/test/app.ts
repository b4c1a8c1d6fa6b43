/**
 * A real Express 5 app over a PgSessionStore, with the routes the flow tests drive. Hooks let a test act on
 * the database in the middle of a request (a concurrent write, say) without timers.
 */
import { createHmac } from 'node:crypto'
import express, { type ErrorRequestHandler } from 'express'
import session, { type SessionOptions } from 'express-session'
import type { PgSessionStore } from '../src'

declare module 'express-session' {
  interface SessionData {
    views: number
    user: string
    flash: string
    marker: string
  }
}

export const TEST_SECRET = 'a-test-secret-of-at-least-32-characters'

/** A `connect.sid` cookie as express-session (cookie-signature) signs `value` under `secret`. */
export function signedCookie(value: string, secret = TEST_SECRET): string {
  const mac = createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '')
  return `connect.sid=${encodeURIComponent(`s:${value}.${mac}`)}`
}

export interface AppHooks {
  /** Runs after the session was loaded and before the response ends. */
  midRequest?: (sid: string) => Promise<void>
  /** Sees every error that reached the error handler. */
  onError?: (err: unknown) => void
}

export function createApp(
  store: PgSessionStore,
  options: Partial<SessionOptions> = {},
  hooks: AppHooks = {},
): express.Express {
  const app = express()
  app.use(
    session({
      store,
      secret: TEST_SECRET,
      resave: false,
      saveUninitialized: false,
      ...options,
    }),
  )
  // While the store is disconnected express-session hands over no session at all.
  app.use((req, res, next) => {
    if (!req.session) res.status(503).json({ code: 'SESSIONS_UNAVAILABLE' })
    else next()
  })
  app.get('/whoami', (req, res) => {
    res.json({ id: req.sessionID, views: req.session.views ?? 0, user: req.session.user ?? null })
  })
  app.post('/views', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1
    res.json({ id: req.sessionID, views: req.session.views })
  })
  app.post('/login/:user', (req, res, next) => {
    const views = req.session.views
    req.session.regenerate((err) => {
      if (err) return next(err)
      req.session.user = req.params.user
      req.session.views = views
      res.json({ id: req.sessionID, user: req.session.user })
    })
  })
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })))
  })
  app.post('/expire-now', (req, res) => {
    req.session.cookie.maxAge = -1_000
    req.session.views = (req.session.views ?? 0) + 1
    res.json({ ok: true })
  })
  app.get('/reload', (req, res, next) => {
    const before = req.session.views ?? 0
    hooks.midRequest!(req.sessionID).then(
      () =>
        req.session.reload((err) => (err ? next(err) : res.json({ before, after: req.session.views ?? 0 }))),
      next,
    )
  })
  app.get('/slow-read', async (req, res) => {
    await hooks.midRequest!(req.sessionID)
    res.json({ views: req.session.views ?? 0 })
  })
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    hooks.onError?.(err)
    // express-session saves after the response has started, so a failed save arrives here too late to answer.
    if (res.headersSent) return next(err)
    res.status(500).json({ code: (err as { code?: string }).code ?? 'UNKNOWN', message: String(err.message) })
  }
  app.use(onError)
  return app
}

/** The `connect.sid=...` pair of a response's Set-Cookie, or undefined. */
export function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const set = res.headers['set-cookie'] as string[] | undefined
  return set?.find((c) => c.startsWith('connect.sid='))?.split(';')[0]
}
