/**
 * `regenerate` defeats session fixation in each adapter: an attacker plants a session cookie they hold,
 * the victim logs in with it (the app regenerates at login), and afterwards the planted id no longer
 * loads anything: its row is gone and it gives a fresh, anonymous session.
 */
import { Agent, get } from 'node:http'
import { sessionDefaults as expressDefaults, PgSessionStore } from '@pgstore/express'
import { sessionDefaults as koaDefaults, pgSessionStore } from '@pgstore/koa'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import express from 'express'
import session from 'express-session'
import Koa from 'koa'
import koaSession from 'koa-session'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { httpGet, listen } from '../src/http'
import { routeSessions } from '../src/next'

const SECRET = 'resilience-fixation-secret-0123456789ab'
let db: TestDatabase
const closers: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  db = await createTestDatabase('pg')
})

afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await db?.close()
})

/** GETs `path` with `cookies`; returns the JSON body and the cookies the response sets. */
async function call(url: string, path: string, cookies: string[]) {
  const agent = new Agent()
  try {
    const res = await httpGet(
      `${url}${path}`,
      { cookie: cookies.join('; '), accept: 'application/json' },
      agent,
      10_000,
    )
    return { status: res.status, body: JSON.parse(res.body) as { user: unknown } }
  } finally {
    agent.destroy()
  }
}

/** The cookies a response sets, name=value only, via a raw request (Node keeps every Set-Cookie). */
function setCookies(url: string, path: string, cookies: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    get(`${url}${path}`, { headers: { cookie: cookies.join('; ') } }, (r) => {
      r.resume()
      resolve((r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!))
    }).on('error', reject)
  })
}

it('express: the id planted before login loads nothing after it', async () => {
  const store = new PgSessionStore({ db: db.db, table: db.table, createTable: true, prune: false })
  closers.push(() => store.close())
  const app = express()
  app.use(session(expressDefaults({ store, secret: [SECRET] })))
  type S = { user?: string; visited?: boolean }
  // Both writes save before answering: express-session would otherwise save after the response left, and
  // the next request could race the write.
  app.get('/visit', (req, res, next) => {
    ;(req.session as S).visited = true
    req.session.save((err) => (err ? next(err) : res.json({ user: null })))
  })
  app.get('/login', (req, res, next) =>
    req.session.regenerate((err) => {
      if (err) return next(err)
      ;(req.session as S).user = 'victim'
      req.session.save((saveErr) => (saveErr ? next(saveErr) : res.json({ user: 'victim' })))
    }),
  )
  app.get('/me', (req, res) => res.json({ user: (req.session as S).user ?? null }))
  const url = await listen(app, closers)

  const planted = await setCookies(url, '/visit', [])
  expect(planted).toHaveLength(1)
  const plantedSid = decodeURIComponent(planted[0]!.split('=')[1]!).slice(2).split('.')[0]!
  expect(await store.get(plantedSid)).not.toBeNull()
  const fresh = await setCookies(url, '/login', planted)
  expect(fresh).toHaveLength(1)
  expect(fresh[0]).not.toBe(planted[0])
  expect((await call(url, '/me', fresh)).body.user).toBe('victim')
  expect((await call(url, '/me', planted)).body.user).toBeNull()
  expect(await store.get(plantedSid)).toBeNull()
})

it('koa: the id planted before login loads nothing after it', async () => {
  const sessions = pgSessionStore({ db: db.db, table: db.table, prune: false })
  closers.push(() => sessions.store.close())
  const app = new Koa()
  app.keys = [SECRET]
  app.use(koaSession(koaDefaults({ store: sessions, maxAge: 86_400_000 }), app))
  app.use(async (ctx) => {
    if (ctx.path === '/visit') ctx.session!.visited = true
    if (ctx.path === '/login') {
      await ctx.session!.regenerate()
      ctx.session!.user = 'victim'
    }
    ctx.body = { user: ctx.session?.user ?? null }
  })
  const url = await listen(app.callback(), closers)

  const planted = await setCookies(url, '/visit', [])
  expect(planted.map((c) => c.split('=')[0])).toEqual(['koa.sess', 'koa.sess.sig'])
  const plantedSid = planted[0]!.split('=')[1]!
  expect(await sessions.store.get(plantedSid)).not.toBeNull()
  const fresh = await setCookies(url, '/login', planted)
  expect(fresh[0]).not.toBe(planted[0])
  expect((await call(url, '/me', fresh)).body.user).toBe('victim')
  expect((await call(url, '/me', planted)).body.user).toBeNull()
  expect(await sessions.store.get(plantedSid)).toBeNull()
})

it('next: the id planted before login loads nothing after it', async () => {
  const sessions = routeSessions<{ user?: string; visited?: boolean }>({
    store: { db: db.db, table: db.table, prune: false },
    secrets: [SECRET],
  })
  closers.push(() => sessions.store.close())
  const visit = sessions.withSession(async (_req, _ctx, s) => {
    s.set('visited', true)
    return Response.json({ user: null })
  })
  const login = sessions.withSession(async (_req, _ctx, s) => {
    await s.regenerate()
    s.set('user', 'victim')
    return Response.json({ user: 'victim' })
  })
  const me = sessions.withSession(async (_req, _ctx, s) => Response.json({ user: s.get('user') ?? null }))
  const req = (cookie?: string) => new Request('http://app.test/', cookie ? { headers: { cookie } } : {})
  const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0]!

  const planted = cookieOf(await visit(req(), {}))
  const plantedSid = planted.split('=')[1]!.split('.')[0]!
  expect(await sessions.store.get(plantedSid)).not.toBeNull()
  const fresh = cookieOf(await login(req(planted), {}))
  expect(fresh).not.toBe(planted)
  expect(await (await me(req(fresh), {})).json()).toEqual({ user: 'victim' })
  expect(await (await me(req(planted), {})).json()).toEqual({ user: null })
  expect(await sessions.store.get(plantedSid)).toBeNull()
})
