/**
 * The HTTP phase: each app variant in its own process, variants interleaved across rounds. Per child: log in
 * many users for their cookies, warm up, then the read, write and login scenarios under autocannon, with the
 * statements per request counted at the driver and the total cross-checked against the database.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { AppStats } from './apps/shared'
import { startChild } from './child'
import { benchTransactions, waitForIdleDatabase } from './db'
import { type LoadResult, load, login, SCENARIOS, type Scenario } from './load'

export interface HttpVariant {
  group: 'express' | 'koa' | 'next'
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
  statementsPerRequest: number
}

export interface ChildSummary {
  round: number
  peakRssMb: number
  statements: number
  /** Connections the child's pool opened. */
  connections: number
  /** Transactions the database counted while the child lived (PostgreSQL variants only). */
  dbTransactions?: number
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
  return { variants, missing }
}

/** Runs one child of `v` through every scenario. */
export async function runHttpVariant(
  v: HttpVariant,
  round: number,
  s: HttpSettings,
  onSample: (sample: HttpSample) => void,
): Promise<ChildSummary> {
  if (v.postgres) await waitForIdleDatabase()
  const txBefore = v.postgres ? await benchTransactions() : 0
  const child = await startChild<{ port: number }>(`apps/${v.app}.ts`, { variant: v.variant }, v.nodeArgs)
  try {
    const base = `http://127.0.0.1:${child.ready.port}`
    const cookies = await login(base, s.cookies)
    if (s.warmupSeconds > 0) {
      await load({
        base,
        scenario: SCENARIOS.read,
        cookies,
        connections: s.connections,
        duration: s.warmupSeconds,
      })
    }
    for (const name of s.scenarios) {
      const before = await child.call<AppStats>('stats')
      const result = await load({
        base,
        scenario: SCENARIOS[name],
        cookies,
        connections: s.connections,
        duration: s.seconds,
      })
      const after = await child.call<AppStats>('stats')
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(
          `bench: ${v.name} ${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`,
        )
      }
      onSample({
        ...result,
        round,
        scenario: name,
        statementsPerRequest:
          (after.statements - before.statements) / Math.max(1, after.requests - before.requests),
      })
    }
    const last = await child.call<AppStats>('stats')
    await child.stop()
    const summary: ChildSummary = {
      round,
      peakRssMb: last.peakRssMb,
      statements: last.statements,
      connections: last.connections,
    }
    if (v.postgres) {
      await waitForIdleDatabase()
      summary.dbTransactions = (await benchTransactions()) - txBefore
    }
    return summary
  } finally {
    await child.stop()
  }
}

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
    const baseline = await load({ ...opts, duration: s.seconds })
    const pruning = child.call<{ ms: number; deleted: number; batches: number }>('prune')
    const during = await load({ ...opts, duration: 0, until: pruning })
    return { baseline, during, prune: await pruning }
  } finally {
    await child.stop()
  }
}
