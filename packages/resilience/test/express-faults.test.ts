/**
 * The express example app, in its own process, under load from simulated browsers while PostgreSQL
 * faults: every connection the app holds is terminated (three times), then, where this machine allows
 * it, the whole server restarts. The process stays up, requests during the fault fail fast with a 5xx,
 * it serves again without a restart, and no acknowledged session write is lost.
 *
 * Half the browsers visit the example's `/`, half `/durable`, which saves before it answers (see
 * src/express-server.ts). Only `/durable`'s 200 proves a write landed; `/` is measured and reported.
 */
import { fileURLToPath } from 'node:url'
import { DATABASE_URL, freshName } from '@pgstore/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { record } from '../src/figures'
import { type Browsers, type ChildApp, startBrowsers, startChild, visit } from '../src/http'
import { canRestartPostgres, freshSchema, restartPostgres, tagged, terminateBackends } from '../src/pg'

const REQUEST_BOUND_MS = 12_000
const appName = freshName('res_http')
let schema: Awaited<ReturnType<typeof freshSchema>>
let app: ChildApp

beforeAll(async () => {
  schema = await freshSchema()
  app = await startChild(fileURLToPath(new URL('../src/express-server.ts', import.meta.url)), {
    cwd: fileURLToPath(new URL('../../../examples/express/', import.meta.url)),
    env: {
      ...process.env,
      DATABASE_URL: tagged(appName, DATABASE_URL),
      PGSTORE_SCHEMA: schema.schema,
      NODE_ENV: 'test',
    },
  })
})

afterAll(async () => {
  await app?.stop()
  await schema?.drop()
})

interface Run {
  durable: Browsers
  endHook: Browsers
}

function start(): Run {
  const options = { url: app.url, clients: 8, timeoutMs: REQUEST_BOUND_MS + 5_000 }
  return { durable: startBrowsers({ ...options, path: '/durable' }), endHook: startBrowsers(options) }
}

async function waitForOk(run: Run, count: number) {
  await Promise.all([run.durable.waitForOk(count), run.endHook.waitForOk(count)])
}

async function waitForOkAfter(run: Run, t0: number): Promise<number> {
  const back = await Promise.all([run.durable.waitForOkAfter(t0), run.endHook.waitForOkAfter(t0)]).catch(
    (err: Error) => {
      throw new Error(`${err.message}; app alive: ${app.alive()}; app output: ${app.output().slice(-1500)}`)
    },
  )
  return Math.max(...back) - t0
}

/** The app's own log must not hold any browser's session id, even while the database fails. */
function expectNoIdsInAppOutput(run: Run) {
  const output = app.output()
  const ids = [...run.durable.ledger, ...run.endHook.ledger]
    .map((l) => decodeURIComponent(l.cookie?.split('=')[1] ?? ''))
    .filter((v) => v.startsWith('s:'))
    .map((v) => v.slice(2, v.lastIndexOf('.')))
  expect(ids.length).toBeGreaterThan(0)
  for (const id of ids) expect(output).not.toContain(id)
}

/** Stops the load, reads every browser's counter back, and sums up. */
async function finish(run: Run, firstFault: { durable: number; endHook: number }) {
  await Promise.all([run.durable.stop(), run.endHook.stop()])
  const lostOf = async (b: Browsers, path: string) => {
    let lost = b.ledger.reduce((n, l) => n + l.contradicted, 0)
    for (const l of b.ledger) {
      if (!l.cookie) continue
      const before = l.acked
      const r = await visit(app.url, l, REQUEST_BOUND_MS, path)
      if (r.status !== 200 || l.acked <= before) lost += 1
    }
    return lost
  }
  const durableFailed = run.durable.responses.slice(firstFault.durable).filter((r) => r.status !== 200)
  const endHookFailed = run.endHook.responses.slice(firstFault.endHook).filter((r) => r.status !== 200)
  const failed = [...durableFailed, ...endHookFailed]
  const statuses: Record<string, number> = {}
  for (const r of failed) {
    const key = String(r.status || r.error)
    statuses[key] = (statuses[key] ?? 0) + 1
  }
  const all = [...run.durable.responses, ...run.endHook.responses]
  return {
    requests: all.length,
    failedDuringFaults: failed.length,
    failedStatuses: statuses,
    // express-session answers `/` before its save; when the save fails Express can only drop the
    // connection, which the browser sees as a reset rather than a 5xx.
    endHookResets: endHookFailed.filter((r) => r.status === 0).length,
    slowestRequestMs: Math.max(...all.map((r) => r.end - r.start)),
    acknowledgedLost: await lostOf(run.durable, '/durable'),
    endHookSaveLost: await lostOf(run.endHook, '/'),
    durableFailed,
    endHookFailed,
  }
}

it('connection kill under load: 5xx fast, process up, recovers, no acknowledged write lost', async () => {
  const run = start()
  await waitForOk(run, 150)
  const firstFault = { durable: run.durable.responses.length, endHook: run.endHook.responses.length }
  const recoveries: number[] = []
  let killed = 0
  for (let round = 0; round < 3; round++) {
    const t0 = Date.now()
    killed += await terminateBackends(appName)
    recoveries.push(await waitForOkAfter(run, t0))
    await waitForOk(run, 150)
  }
  const { durableFailed, endHookFailed, ...figures } = await finish(run, firstFault)
  record('express-connection-kill', { backendsKilled: killed, recoveryMs: recoveries, ...figures })
  expect(app.alive()).toBe(true)
  expectNoIdsInAppOutput(run)
  expect(killed).toBeGreaterThan(0)
  expect(durableFailed.every((r) => r.status >= 500)).toBe(true)
  expect(endHookFailed.every((r) => r.status >= 500 || r.status === 0)).toBe(true)
  expect(figures.slowestRequestMs).toBeLessThan(REQUEST_BOUND_MS)
  expect(figures.acknowledgedLost).toBe(0)
})

it('server restart under load (or, where it cannot restart the server, says so and kills connections)', async () => {
  const can = await canRestartPostgres()
  const run = start()
  await waitForOk(run, 150)
  const firstFault = { durable: run.durable.responses.length, endHook: run.endHook.responses.length }
  const t0 = Date.now()
  if (can.ok) await restartPostgres()
  else {
    console.log(`[resilience] cannot restart PostgreSQL here (${can.why}); running the connection-kill case`)
    await terminateBackends(appName)
  }
  const serverBack = Date.now()
  // Recovery counts from the moment the server answers again to the app's first full success after it.
  const recoveryMs = await waitForOkAfter(run, serverBack)
  await waitForOk(run, 150)
  const all = [...run.durable.responses, ...run.endHook.responses].filter((r) => r.start >= t0)
  const firstFailure = Math.min(...all.filter((r) => r.status !== 200).map((r) => r.start))
  const { durableFailed, endHookFailed, ...figures } = await finish(run, firstFault)
  record('express-server-restart', {
    fault: can.ok ? 'pg_ctlcluster restart' : `connection kill (${can.why})`,
    restartTookMs: serverBack - t0,
    recoveryAfterServerBackMs: recoveryMs,
    appUnavailableMs: Number.isFinite(firstFailure) ? serverBack + recoveryMs - firstFailure : 0,
    ...figures,
  })
  expect(app.alive()).toBe(true)
  expectNoIdsInAppOutput(run)
  expect(durableFailed.every((r) => r.status >= 500)).toBe(true)
  expect(endHookFailed.every((r) => r.status >= 500 || r.status === 0)).toBe(true)
  expect(figures.slowestRequestMs).toBeLessThan(REQUEST_BOUND_MS)
  expect(figures.acknowledgedLost).toBe(0)
})
