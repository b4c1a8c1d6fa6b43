/**
 * Cookie values, for each adapter, 10,000 fuzzed requests a framework: random bytes, 100 KB values,
 * unicode, `s:` prefix tricks, duplicate cookies, one-character tampering and the signature of another
 * secret. Each gives a fresh session (only the exact valid cookie may load the real one), none a 5xx or
 * an exception outside the framework's handling.
 */
import { createHmac } from 'node:crypto'
import { Agent, get } from 'node:http'
import { newSessionId, signCookieValue } from '@pgstore/core'
import { sessionDefaults as expressDefaults, PgSessionStore } from '@pgstore/express'
import { sessionDefaults as koaDefaults, pgSessionStore } from '@pgstore/koa'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import express from 'express'
import session from 'express-session'
import fc from 'fast-check'
import Koa from 'koa'
import koaSession from 'koa-session'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CookieCase, cookieHeaders } from '../src/cookies'
import { record } from '../src/figures'
import { httpGet, listen } from '../src/http'
import { routeSessions } from '../src/next'

const CASES = 10_000
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_125)
const SECRET = 'resilience-fuzz-secret-0123456789abcdef'
const OTHER = 'another-secret-nobody-configured-012345'
let db: TestDatabase
const figures: Record<string, unknown> = {}
const closers: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  db = await createTestDatabase('pg')
})

afterAll(async () => {
  record('adapters-fuzz', figures)
  for (const close of closers.reverse()) await close()
  await db?.close()
})

interface Outcome {
  status: number
  /** The `n` the app read from the session: 42 for the real one, null for a fresh one. */
  n: unknown
  error?: string
}

/** Runs every case through `send`, 16 at a time, and checks the fuzz contract. */
async function runCases(label: string, cases: CookieCase[], send: (header: string) => Promise<Outcome>) {
  const failures: string[] = []
  const kinds: Record<string, number> = {}
  const statuses: Record<string, number> = {}
  let next = 0
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!
      kinds[c.kind] = (kinds[c.kind] ?? 0) + 1
      const out = await send(c.header)
      const key = out.error ? 'reset' : String(out.status)
      statuses[key] = (statuses[key] ?? 0) + 1
      // Node answers 431 for headers over its 16 KB limit, before the app, and closes the socket; a client
      // still writing the 100 KB header may see that close as a reset instead of the 431.
      const refusedByNode =
        c.header.length > 16_000 &&
        (out.status === 431 || /ECONNRESET|EPIPE|socket hang up/.test(out.error ?? ''))
      const loaded = c.kind === 'valid' ? out.n === 42 : out.n === null || (c.mayLoad && out.n === 42)
      const ok = refusedByNode || (out.error === undefined && out.status === 200 && loaded)
      if (!ok)
        failures.push(
          `${c.kind} (${c.header.length} chars): status ${out.status} n ${String(out.n)} ${out.error ?? ''}`,
        )
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  figures[label] = { cases: cases.length, statuses, kinds }
  expect(failures.slice(0, 10)).toEqual([])
  expect(kinds.valid ?? 0).toBeGreaterThan(0)
}

function sendOver(url: string): (header: string) => Promise<Outcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })
  closers.push(async () => agent.destroy())
  return async (header) => {
    try {
      const res = await httpGet(`${url}/`, { cookie: header, accept: 'application/json' }, agent, 10_000)
      const n = res.status === 200 ? (JSON.parse(res.body) as { n: unknown }).n : undefined
      return { status: res.status, n }
    } catch (err) {
      return { status: 0, n: undefined, error: (err as Error).message }
    }
  }
}

const cookiePair = (setCookie: string | undefined) => setCookie!.split(';')[0]!

describe('express-session + PgSessionStore', () => {
  it(`${CASES} fuzzed cookies: fresh session, never a 5xx`, async () => {
    const store = new PgSessionStore({ db: db.db, table: db.table, createTable: true, prune: false })
    closers.push(() => store.close())
    const app = express()
    app.use(session(expressDefaults({ store, secret: [SECRET] })))
    app.get('/set', (req, res) => {
      ;(req.session as unknown as { n: number }).n = 42
      res.json({ ok: true })
    })
    app.get('/', (req, res) => res.json({ n: (req.session as unknown as { n?: number }).n ?? null }))
    const url = await listen(app, closers)
    const agent = new Agent()
    const setRes = await httpGet(`${url}/set`, {}, agent, 10_000)
    const valid = cookiePair(
      // Node joins repeated headers; take the session cookie.
      setRes.setCookie,
    )
    const signed = decodeURIComponent(valid.slice(valid.indexOf('=') + 1))
    const sid = signed.slice(2, signed.lastIndexOf('.'))
    const forge = (value: string) => {
      const mac = createHmac('sha256', OTHER).update(value).digest('base64').replace(/=+$/, '')
      return [`connect.sid=${encodeURIComponent(`s:${value}.${mac}`)}`]
    }
    const cases = fc.sample(
      cookieHeaders({ name: 'connect.sid', valid: [valid], sid, forgeWithOtherSecret: forge }),
      {
        numRuns: CASES,
        seed: SEED,
      },
    )
    await runCases('express', cases, sendOver(url))
  })
})

describe('koa-session + pgSessionStore', () => {
  it(`${CASES} fuzzed cookies: fresh session, never a 5xx`, async () => {
    const sessions = pgSessionStore({ db: db.db, table: db.table, prune: false })
    closers.push(() => sessions.store.close())
    const app = new Koa()
    app.keys = [SECRET]
    app.use(koaSession(koaDefaults({ store: sessions, maxAge: 86_400_000 }), app))
    app.use(async (ctx) => {
      if (ctx.path === '/set') {
        ctx.session!.n = 42
        ctx.body = { ok: true }
        return
      }
      ctx.body = { n: ctx.session?.n ?? null }
    })
    const url = await listen(app.callback(), closers)
    // Koa sets two cookies (the id and its signature); read both.
    const res = await new Promise<{ cookies: string[] }>((resolve, reject) => {
      get(`${url}/set`, (r) => {
        r.resume()
        resolve({ cookies: (r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!) })
      }).on('error', reject)
    })
    const valid = res.cookies
    expect(valid.map((c) => c.split('=')[0])).toEqual(['koa.sess', 'koa.sess.sig'])
    const sid = valid[0]!.slice('koa.sess='.length)
    const forge = (value: string) => {
      const sig = createHmac('sha1', OTHER)
        .update(`koa.sess=${value}`)
        .digest('base64')
        .replace(/\/|\+|=/g, (x) => ({ '/': '_', '+': '-', '=': '' })[x]!)
      return [`koa.sess=${value}`, `koa.sess.sig=${sig}`]
    }
    const cases = fc.sample(cookieHeaders({ name: 'koa.sess', valid, sid, forgeWithOtherSecret: forge }), {
      numRuns: CASES,
      seed: SEED + 1,
    })
    await runCases('koa', cases, sendOver(url))
  })
})

describe('@pgstore/next withSession', () => {
  it(`${CASES} fuzzed cookies: fresh session, never an exception`, async () => {
    const sessions = routeSessions<{ n?: number }>({
      store: { db: db.db, table: db.table, prune: false },
      secrets: [SECRET],
    })
    closers.push(() => sessions.store.close())
    const setHandler = sessions.withSession(async (_req, _ctx, s) => {
      s.set('n', 42)
      return Response.json({ ok: true })
    })
    const readHandler = sessions.withSession(async (_req, _ctx, s) =>
      Response.json({ n: s.get('n') ?? null }),
    )
    const setRes = await setHandler(new Request('http://app.test/set'), {})
    const valid = cookiePair(setRes.headers.get('set-cookie') ?? undefined)
    const sid = valid.slice(valid.indexOf('=') + 1).split('.')[0]!
    const forge = (value: string) => [`pgsid=${signCookieValue('pgsid', value, [OTHER])}`]
    const cases = fc.sample(
      cookieHeaders({ name: 'pgsid', valid: [valid], sid, forgeWithOtherSecret: forge }),
      {
        numRuns: CASES,
        seed: SEED + 2,
      },
    )
    await runCases('next', cases, async (header) => {
      try {
        const res = await readHandler(new Request('http://app.test/', { headers: { cookie: header } }), {})
        const body = (await res.json()) as { n: unknown }
        return { status: res.status, n: body.n }
      } catch (err) {
        return { status: 0, n: undefined, error: `${(err as Error).name}: ${(err as Error).message}` }
      }
    })
    expect(newSessionId()).not.toBe(sid)
  })
})
