/** A Koa 3 app with koa-session over the adapter, and the cookie and table probes the flow tests share. */
import { digest, probeTable, type SessionRow, type TestDatabase } from '@pgstore/testing'

export { digest }

import Koa from 'koa'
import session, { type CreateSessionOptions } from 'koa-session'
import type { Response } from 'supertest'
import type { PgSessionStore } from '../src'

export const KEY_A = 'key-a-0123456789abcdef0123456789abcdef'
export const KEY_B = 'key-b-0123456789abcdef0123456789abcdef'

export type Row = SessionRow

export function probe(db: TestDatabase) {
  const t = probeTable(db, db.table)
  const table = t.name
  return {
    table,
    row: t.row,
    count: t.count,
    /** Moves a row's expiry to `ms` from now, as time passing would. */
    async expireIn(sid: string, ms: number): Promise<Date> {
      const [r] = await db.query<{ expires_at: Date }>(
        `update ${table} set expires_at = now() + make_interval(secs => $2::float8 / 1000) where id = $1 returning expires_at`,
        [digest(sid), ms],
      )
      return r!.expires_at
    },
    /** A write by someone else (another request, another process) straight into the row's data. */
    async writeBehind(sid: string, field: string, value: string): Promise<void> {
      await db.query(
        `update ${table} set data = jsonb_set(data, array[$2::text], to_jsonb($3::text)) where id = $1`,
        [digest(sid), field, value],
      )
    },
  }
}

/** Set-Cookie headers of a response, by cookie name: the value and the raw header. */
export function setCookies(res: Response): Map<string, { value: string; raw: string }> {
  const out = new Map<string, { value: string; raw: string }>()
  const header = res.headers['set-cookie'] as unknown as string[] | undefined
  for (const raw of header ?? []) {
    const [pair] = raw.split(';')
    const eq = pair!.indexOf('=')
    out.set(pair!.slice(0, eq), { value: pair!.slice(eq + 1), raw })
  }
  return out
}

/** The Cookie header a browser would send back after `res`, merged over `previous`. */
export function jar(res: Response, previous: Record<string, string> = {}): Record<string, string> {
  const next = { ...previous }
  for (const [name, { value }] of setCookies(res)) {
    if (value === '') delete next[name]
    else next[name] = value
  }
  return next
}

export const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')

export interface AppHooks {
  /** Runs inside GET /peek after the session was read and before it is committed. */
  duringRequest?: (key: string) => Promise<void>
}

/**
 * Routes: /count (n += 1), /peek (reads only), /login (regenerate, then user), /logout (session = null),
 * /save (forced save), /maxage (ctx.session.maxAge = ms), /health (no session).
 */
export function createApp(
  store: PgSessionStore,
  options: CreateSessionOptions = {},
  hooks: AppHooks = {},
): Koa & { errors: unknown[] } {
  const app = new Koa() as Koa & { errors: unknown[] }
  app.keys = [KEY_A]
  app.silent = true
  app.errors = []
  app.on('error', (err) => app.errors.push(err))
  app.use(session({ store, maxAge: 60_000, ...options }, app))
  app.use(async (ctx) => {
    const s = ctx.session!
    const manual = options.autoCommit === false
    switch (ctx.path) {
      case '/health':
        ctx.body = { ok: true }
        return
      case '/count':
        s.n = ((s.n as number | undefined) ?? 0) + 1
        break
      case '/peek':
        if (hooks.duringRequest && s.externalKey) await hooks.duringRequest(s.externalKey)
        break
      case '/login':
        s.user = 'ada'
        await s.regenerate()
        break
      case '/logout':
        ctx.session = null
        ctx.body = { ok: true }
        return
      case '/save':
        s.saved = true
        await s.save()
        break
      case '/maxage':
        s.maxAge = Number(ctx.query.ms)
        break
      default:
        ctx.status = 404
        return
    }
    if (manual && ctx.query.commit === '1') await s.manuallyCommit()
    ctx.body = { n: s.n ?? null, user: s.user ?? null, isNew: s.isNew === true }
  })
  return app
}
