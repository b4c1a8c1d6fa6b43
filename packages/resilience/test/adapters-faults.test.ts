/**
 * The connection-kill fault through Koa and through the Next.js route-handler wrapper, in process, under
 * load from simulated browsers. Both save the session before the response leaves, so every 200 is an
 * acknowledged write, and none may be lost. Failures must be 5xx (Koa answers 503; a Next route handler
 * that throws is a 500), the app must serve again without a restart.
 */
import { pgSessionStore, sessionDefaults } from '@pgstore/koa'
import { createTestDatabase, freshName, type TestDatabase } from '@pgstore/testing'
import Koa from 'koa'
import koaSession from 'koa-session'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { record } from '../src/figures'
import { listen, startBrowsers, visit } from '../src/http'
import { routeSessions } from '../src/next'
import { tagged, terminateBackends } from '../src/pg'

const QUERY_TIMEOUT = 3_000
const SECRET = 'resilience-adapters-secret-0123456789ab'
let db: TestDatabase
const closers: Array<() => Promise<unknown>> = []
const figures: Record<string, unknown> = {}

beforeAll(async () => {
  db = await createTestDatabase('pg')
})

afterAll(async () => {
  record('adapters-connection-kill', figures)
  for (const close of closers.reverse()) await close()
  await db?.close()
})

const storeOptions = (app: string) => ({
  connectionString: tagged(app),
  table: db.table,
  createTable: true,
  poolSize: 4,
  queryTimeout: QUERY_TIMEOUT,
  connectTimeout: 1_000,
  prune: false as const,
})

/** Three kills under load; returns the figures and asserts the contract. */
async function killUnderLoad(label: string, url: string, appName: string) {
  const load = startBrowsers({ url, clients: 12, timeoutMs: QUERY_TIMEOUT + 5_000 })
  await load.waitForOk(150)
  const first = load.responses.length
  const recoveries: number[] = []
  let killed = 0
  for (let round = 0; round < 3; round++) {
    const t0 = Date.now()
    killed += await terminateBackends(appName)
    recoveries.push((await load.waitForOkAfter(t0)) - t0)
    await load.waitForOk(150)
  }
  await load.stop()
  const failed = load.responses.slice(first).filter((r) => r.status !== 200)
  let lost = load.ledger.reduce((n, b) => n + b.contradicted, 0)
  for (const b of load.ledger) {
    if (!b.cookie) continue
    const before = b.acked
    const r = await visit(url, b, QUERY_TIMEOUT + 5_000)
    if (r.status !== 200 || b.acked <= before) lost += 1
  }
  const statuses: Record<string, number> = {}
  for (const r of failed)
    statuses[String(r.status || r.error)] = (statuses[String(r.status || r.error)] ?? 0) + 1
  const slowest = Math.max(...load.responses.map((r) => r.end - r.start))
  figures[label] = {
    requests: load.responses.length,
    backendsKilled: killed,
    failedDuringFaults: failed.length,
    failedStatuses: statuses,
    recoveryMs: recoveries,
    slowestRequestMs: slowest,
    acknowledgedLost: lost,
  }
  expect(killed).toBeGreaterThan(0)
  expect(failed.every((r) => r.status >= 500)).toBe(true)
  expect(slowest).toBeLessThan(QUERY_TIMEOUT + 1_000)
  expect(lost).toBe(0)
  return failed
}

it('koa-session + pgSessionStore: 503 during the fault, recovery, no acknowledged write lost', async () => {
  const appName = freshName('res_koa')
  const sessions = pgSessionStore(storeOptions(appName))
  closers.push(() => sessions.store.close())
  const app = new Koa()
  app.keys = [SECRET]
  app.silent = true
  app.use(koaSession(sessionDefaults({ store: sessions, maxAge: 86_400_000 }), app))
  app.use(async (ctx) => {
    const views = ((ctx.session!.views as number | undefined) ?? 0) + 1
    ctx.session!.views = views
    ctx.body = { views }
  })
  const failed = await killUnderLoad('koa', await listen(app.callback(), closers), appName)
  expect(failed.every((r) => r.status === 503)).toBe(true)
})

it('next withSession: 5xx during the fault, recovery, no acknowledged write lost', async () => {
  const appName = freshName('res_next')
  const sessions = routeSessions<{ views?: number }>({ store: storeOptions(appName), secrets: [SECRET] })
  closers.push(() => sessions.store.close())
  const handler = sessions.withSession(async (_req, _ctx, s) => {
    const views = (s.get('views') ?? 0) + 1
    s.set('views', views)
    return Response.json({ views })
  })
  // What Next does with a route handler: a Request in, the Response out, a thrown error as a 500.
  const url = await listen(async (req, res) => {
    try {
      const response = await handler(
        new Request(`http://app.test${req.url}`, { headers: { cookie: req.headers.cookie ?? '' } }),
        {},
      )
      res.writeHead(response.status, [...response.headers.entries()].flat())
      res.end(await response.text())
    } catch {
      res.writeHead(500).end()
    }
  }, closers)
  await killUnderLoad('next', url, appName)
})
