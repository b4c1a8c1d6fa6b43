/**
 * The HTTP phase: each app variant in its own process, many users logged in beforehand for their cookies,
 * the read, write and login scenarios under autocannon, with the statements per request counted at the
 * driver and the total cross-checked against the database's transaction counter.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { AppStats } from './apps/shared'
import { type Child, startChild } from './child'
import { ADMIN_URL, backendCpuMs, backendName, benchTransactions, waitForIdleDatabase } from './db'
import { type LoadResult, load, login, SCENARIOS, type Scenario } from './load'
import { type BatchCounts, batchDelta } from './stats'

/** The HTTP groups, in the order they run and are reported. */
export const HTTP_GROUPS = ['express', 'koa', 'next', 'hono', 'react-router'] as const
export type HttpGroup = (typeof HTTP_GROUPS)[number]

export interface HttpVariant {
  group: HttpGroup
  name: string
  /** The app child under src/apps. */
  app: string
  /** Child config. */
  variant: string
  /** Uses PostgreSQL, so its statements are counted. */
  postgres: boolean
  /** Extra node flags for the child. */
  nodeArgs?: string[]
}

export interface HttpSample extends LoadResult {
  round: number
  scenario: Scenario['name']
  /** Autocannon connections of the slice. */
  connections: number
  statementsPerRequest: number
  /** CPU the app process spent per request, µs. */
  appCpuPerRequest: number
  /** CPU its PostgreSQL backends spent per request, µs (NaN without access to their /proc). */
  dbCpuPerRequest: number
  /** What the store's coalescing did during the slice, for the apps on a PgStore. */
  batch?: BatchCounts
}

export interface ChildSummary {
  peakRssMb: number
  statements: number
  /** Backends the child's connections started (PostgreSQL counts a transaction for each). */
  connections: number
}

export interface HttpSettings {
  seconds: number
  warmupSeconds: number
  connections: number
  cookies: number
  scenarios: Scenario['name'][]
}

const pkgBuilt = (name: string) =>
  existsSync(fileURLToPath(new URL(`../../packages/${name}/dist/index.mjs`, import.meta.url)))

/** Every variant whose package is built; the rest are listed as missing. */
export function httpVariants(): { variants: HttpVariant[]; missing: string[] } {
  const variants: HttpVariant[] = []
  const missing: string[] = []
  const add = (v: HttpVariant, pkg?: string) =>
    pkg && !pkgBuilt(pkg) ? missing.push(v.name) : variants.push(v)
  add(
    { group: 'express', name: '@pgstore/express', app: 'express', variant: 'pgstore', postgres: true },
    'express',
  )
  add(
    {
      group: 'express',
      name: '@pgstore/express (coalesce: false)',
      app: 'express',
      variant: 'pgstore-alone',
      postgres: true,
    },
    'express',
  )
  add(
    {
      group: 'express',
      name: '@pgstore/express (postgres.js)',
      app: 'express',
      variant: 'pgstore-postgresjs',
      postgres: true,
    },
    'express',
  )
  add(
    {
      group: 'express',
      name: '@pgstore/express (cache)',
      app: 'express',
      variant: 'pgstore-cache',
      postgres: true,
    },
    'express',
  )
  add(
    {
      group: 'express',
      name: '@pgstore/express (cache, maxAge 5 min)',
      app: 'express',
      variant: 'pgstore-cache-5min',
      postgres: true,
    },
    'express',
  )
  add({
    group: 'express',
    name: 'connect-pg-simple',
    app: 'express',
    variant: 'connect-pg-simple',
    postgres: true,
  })
  add({ group: 'express', name: 'connect-redis', app: 'express', variant: 'connect-redis', postgres: false })
  add({ group: 'express', name: 'MemoryStore', app: 'express', variant: 'memory', postgres: false })
  add({ group: 'koa', name: '@pgstore/koa', app: 'koa', variant: 'pgstore', postgres: true }, 'koa')
  add({ group: 'koa', name: 'plain pg store (koa)', app: 'koa', variant: 'plain', postgres: true })
  add({ group: 'koa', name: 'koa-session (cookie)', app: 'koa', variant: 'cookie', postgres: false }, 'koa')
  const nodeArgs = ['--conditions=react-server']
  add(
    { group: 'next', name: '@pgstore/next', app: 'next', variant: 'pgstore', postgres: true, nodeArgs },
    'next',
  )
  add(
    { group: 'next', name: 'iron-session', app: 'next', variant: 'iron-session', postgres: false, nodeArgs },
    'next',
  )
  add({ group: 'hono', name: '@pgstore/hono', app: 'hono', variant: 'pgstore', postgres: true }, 'hono')
  add(
    { group: 'hono', name: 'hono-sessions (cookie)', app: 'hono', variant: 'cookie', postgres: false },
    'hono',
  )
  add(
    {
      group: 'react-router',
      name: '@pgstore/react-router',
      app: 'react-router',
      variant: 'pgstore',
      postgres: true,
    },
    'react-router',
  )
  add(
    {
      group: 'react-router',
      name: 'createCookieSessionStorage',
      app: 'react-router',
      variant: 'cookie',
      postgres: false,
    },
    'react-router',
  )
  return { variants, missing }
}

export interface GroupResult {
  children: Record<string, ChildSummary>
  /** Statements and backend starts of the group's PostgreSQL children, against what PostgreSQL counted. */
  check: { statements: number; connections: number; dbTransactions: number }
}

/**
 * Runs a group of variants side by side: every child starts and logs its users in first, then each scenario
 * runs as short slices that alternate between the children, round after round in a rotated order, so a
 * burst of outside load lands on every variant alike instead of on whichever ran at that moment. Reads run
 * first, right after the logins, so they fall inside the touchAfter window as the read target asks.
 */
export async function runHttpGroup(
  variants: readonly HttpVariant[],
  rounds: number,
  s: HttpSettings,
  onSample: (v: HttpVariant, sample: HttpSample) => void,
): Promise<GroupResult> {
  await waitForIdleDatabase()
  const txBefore = await benchTransactions()
  const children: Child<{ port: number }>[] = []
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    for (const v of variants) {
      children.push(
        await startChild<{ port: number }>(`apps/${v.app}.ts`, { variant: v.variant }, v.nodeArgs),
      )
    }
    const bases = children.map((c) => `http://127.0.0.1:${c.ready.port}`)
    const cookies = await Promise.all(bases.map((base) => login(base, s.cookies, '/login', 4)))
    const order = variants.map((_, i) => i)
    for (const i of order) {
      if (s.warmupSeconds <= 0) break
      const warm = { base: bases[i] as string, cookies: cookies[i] as string[], connections: s.connections }
      await load({ ...warm, scenario: SCENARIOS.read, duration: s.warmupSeconds })
    }
    for (const name of s.scenarios) {
      for (let round = 0; round < rounds; round++) {
        for (const i of rotate(order, round)) {
          const child = children[i] as Child<{ port: number }>
          const v = variants[i] as HttpVariant
          const pid = child.proc.pid as number
          const before = await child.call<AppStats>('stats')
          const dbBefore = await backendCpuMs(admin, pid)
          const scenario = SCENARIOS[name]
          const opts = {
            base: bases[i] as string,
            cookies: cookies[i] as string[],
            connections: s.connections,
          }
          const result = await load({ ...opts, scenario, duration: s.seconds })
          const after = await child.call<AppStats>('stats')
          const dbAfter = await backendCpuMs(admin, pid)
          if (result.non2xx > 0 || result.errors > 0) {
            throw new Error(
              `bench: ${v.name} ${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`,
            )
          }
          const served = Math.max(1, after.requests - before.requests)
          onSample(v, {
            ...result,
            round,
            scenario: name,
            connections: s.connections,
            statementsPerRequest: (after.statements - before.statements) / served,
            appCpuPerRequest: (after.cpuMicros - before.cpuMicros) / served,
            dbCpuPerRequest: v.postgres ? ((dbAfter - dbBefore) * 1000) / served : Number.NaN,
            batch: before.batch && after.batch ? batchDelta(before.batch, after.batch) : undefined,
          })
        }
      }
    }
    const summaries: Record<string, ChildSummary> = {}
    const check = { statements: 0, connections: 0, dbTransactions: 0 }
    for (const [i, child] of children.entries()) {
      const v = variants[i] as HttpVariant
      const last = await child.call<AppStats>('stats')
      // Counted on the server, so drivers without a connect event (postgres.js) are counted too; no pool
      // closes idle connections, so the live ones are all that were opened.
      const backends = await admin.query(
        'select count(*)::int as n from pg_stat_activity where application_name = $1',
        [backendName(child.proc.pid as number)],
      )
      const connections = Number(backends.rows[0]?.n ?? 0)
      summaries[v.name] = { peakRssMb: last.peakRssMb, statements: last.statements, connections }
      if (v.postgres) {
        check.statements += last.statements
        check.connections += connections
      }
    }
    await Promise.all(children.map((c) => c.stop()))
    await waitForIdleDatabase()
    check.dbTransactions = (await benchTransactions()) - txBefore
    return { children: summaries, check }
  } finally {
    await admin.end().catch(() => undefined)
    await Promise.all(children.map((c) => c.stop()))
  }
}

/** Round r visits the list rotated by r, so no variant always goes first or last. */
export const rotate = <T>(list: readonly T[], r: number) =>
  list.map((_, i) => list[(i + r) % list.length] as T)

/** The read scenario under load while the app's own process prunes the expired rows. */
export async function runPruneUnderLoad(
  v: HttpVariant,
  s: HttpSettings,
): Promise<{
  baseline: LoadResult
  during: LoadResult
  prune: { ms: number; deleted: number; batches: number }
}> {
  const child = await startChild<{ port: number }>(`apps/${v.app}.ts`, { variant: v.variant }, v.nodeArgs)
  try {
    const base = `http://127.0.0.1:${child.ready.port}`
    const cookies = await login(base, s.cookies)
    const opts = { base, scenario: SCENARIOS.read, cookies, connections: s.connections }
    await load({ ...opts, duration: Math.max(1, s.warmupSeconds) })
    // At least 10 s, so the baseline p99 rests on about as many requests as the one during the prune.
    const baseline = await load({
      ...opts,
      duration: s.warmupSeconds > 0 ? Math.max(10, s.seconds) : s.seconds,
    })
    const pruning = child.call<{ ms: number; deleted: number; batches: number }>('prune')
    const during = await load({ ...opts, duration: 0, until: pruning })
    return { baseline, during, prune: await pruning }
  } finally {
    await child.stop()
  }
}
