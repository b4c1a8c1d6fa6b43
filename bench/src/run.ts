/**
 * `pnpm --filter @pgstore/bench bench`: every phase, a markdown table on stdout, JSON in bench/results/.
 * `--smoke` runs a version of under a minute for CI that checks the harness works and asserts nothing on
 * speed.
 * `--rounds N`, `--seconds S`, `--only store,http,scale,prune`, `--groups express,koa,next,hono,react-router` and
 * `--scenarios read,write,login` narrow a development run;  `--variants a,b` keeps the HTTP variants whose
 * names contain one of the parts (`=name` for an exact name). `--connections 1,16,64` sets the autocannon
 * connection counts of every selected HTTP group; by default the express group runs at 1, 16 and 64 and the
 * others at 16 (smoke: 16 for all).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { type Child, startChild } from './child'
import {
  ADMIN_URL,
  BENCH_URL,
  backendCpuMs,
  prepareDatabase,
  REDIS_URL,
  seedExpired,
  seedLive,
  withClient,
} from './db'
import { HTTP_GROUPS, type HttpGroup, httpVariants, rotate, runHttpGroup, runPruneUnderLoad } from './http'
import { type BenchResult, report } from './report'
import type { StoreOp, StoreRunResult, StoreVariant } from './store-worker'

const args = process.argv.slice(2).filter((a) => a !== '--')
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const smoke = args.includes('--smoke')
const groups = new Set(flag('groups')?.split(',') ?? HTTP_GROUPS)
/** Development aid: run only the HTTP variants whose names contain one of these (comma-separated). */
const variantFilter = flag('variants')?.split(',')
const only = new Set((flag('only') ?? 'store,http,scale,prune').split(','))
const rounds = Number(flag('rounds') ?? (smoke ? 1 : 5))
const seconds = Number(flag('seconds') ?? (smoke ? 0.5 : 2))
const connectionsFlag = flag('connections')?.split(',').map(Number)
if (connectionsFlag?.some((n) => !Number.isInteger(n) || n < 1)) {
  throw new Error(`bench: --connections takes positive integers, e.g. 1,16,64`)
}
/** Autocannon connection counts of each HTTP group, in the order they run. */
const connectionCounts = Object.fromEntries(
  HTTP_GROUPS.map((g) => [g, connectionsFlag ?? (smoke || g !== 'express' ? [16] : [1, 16, 64])]),
) as Record<HttpGroup, number[]>
const settings = {
  smoke,
  rounds,
  connectionCounts,
  http: {
    seconds,
    warmupSeconds: smoke ? 0 : 1,
    /** The prune phase's, and each group's until its counts are applied. */
    connections: 16,
    cookies: smoke ? 50 : 2_000,
    scenarios: (flag('scenarios') ?? 'read,write,login').split(',') as ('read' | 'write' | 'login')[],
  },
  store: { seconds: smoke ? 0.5 : Math.max(1, seconds / 2), concurrency: 16, keys: smoke ? 100 : 2_000 },
  scale: { small: 1_000, large: smoke ? 10_000 : 1_000_000, seconds: smoke ? 0.5 : Math.max(1, seconds / 2) },
  prune: { expired: smoke ? 5_000 : 500_000 },
}

const append = <T>(map: Record<string, T[]>, key: string, value: T) => {
  map[key] = [...(map[key] ?? []), value]
}
const log = (line: string) => process.stderr.write(`${line}\n`)
/** `b` with each field of `a` added, when there is an `a`. */
const addCounts = <T extends { [K in keyof T]: number }>(a: T | undefined, b: T): T => {
  if (!a) return b
  const sum = { ...b }
  for (const k of Object.keys(b) as (keyof T)[]) sum[k] = (b[k] + a[k]) as T[keyof T]
  return sum
}

/**
 * Store workers side by side, one process each; every op runs as short slices alternating between them,
 * round after round in a rotated order.
 */
async function alternate<K extends string>(
  workers: readonly { key: K; config: object }[],
  ops: readonly StoreOp[],
  seconds: number,
  record: (key: K, op: StoreOp, run: StoreRunResult, round: number) => void,
): Promise<void> {
  const children: Child[] = []
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    for (const w of workers) children.push(await startChild('store-worker.ts', w.config))
    const order = workers.map((_, i) => i)
    for (const op of ops) {
      for (let round = 0; round < rounds; round++) {
        for (const i of rotate(order, round)) {
          const w = workers[i] as (typeof workers)[number]
          const child = children[i] as Child
          const dbBefore = await backendCpuMs(admin, child.proc.pid as number)
          const run = await child.call<StoreRunResult>('run', {
            op,
            seconds,
            concurrency: settings.store.concurrency,
          })
          const dbAfter = await backendCpuMs(admin, child.proc.pid as number)
          run.dbCpuPerOp = ((dbAfter - dbBefore) * 1000) / Math.max(1, run.ops)
          if (run.errors > 0) throw new Error(`bench: ${w.key} ${op} had ${run.errors} failed or empty calls`)
          record(w.key, op, run, round)
        }
      }
    }
  } finally {
    await admin.end().catch(() => undefined)
    await Promise.all(children.map((c) => c.stop()))
  }
}

async function storePhase(result: BenchResult): Promise<void> {
  const variants: StoreVariant[] = ['@pgstore/core', 'connect-pg-simple']
  const workers = variants.map((variant) => ({
    key: variant,
    config: { variant, table: 'store', keys: settings.store.keys, seed: true },
  }))
  await alternate(workers, ['get', 'set', 'touch'], settings.store.seconds, (variant, op, run, round) => {
    result.store[variant] ??= {}
    append(result.store[variant], op, run)
    log(`store ${variant} ${op} round ${round + 1}: ${Math.round(run.opsPerSec)} ops/s`)
  })
}

async function httpPhase(result: BenchResult): Promise<void> {
  const all = httpVariants()
  result.missing.push(...all.missing)
  for (const group of HTTP_GROUPS) {
    const variants = all.variants.filter(
      (v) =>
        v.group === group &&
        (!variantFilter ||
          variantFilter.some((part) =>
            part.startsWith('=') ? v.name === part.slice(1) : v.name.includes(part),
          )),
    )
    if (!groups.has(group) || variants.length === 0) continue
    // Each connection count is a run of its own, with fresh children that log their users in again, so
    // every count's reads come right after its logins (inside touchAfter).
    for (const connections of connectionCounts[group]) {
      const run = await runHttpGroup(
        variants,
        rounds,
        { ...settings.http, connections, scenarios: [...settings.http.scenarios] },
        (v, sample) => {
          result.http[v.name] ??= { group: v.group, postgres: v.postgres, samples: [] }
          result.http[v.name]?.samples.push(sample)
          log(
            `http ${v.name} ${sample.scenario} ${connections} conn round ${sample.round + 1}: ${Math.round(sample.rps)} req/s, p50 ${sample.p50.toFixed(2)} ms, p99 ${sample.p99.toFixed(2)} ms`,
          )
        },
      )
      // Counts add up over the connection counts' runs; the peak RSS is the highest of them.
      for (const [name, summary] of Object.entries(run.children)) {
        const entry = result.http[name]
        if (!entry) continue
        const peakRssMb = Math.max(summary.peakRssMb, entry.child?.peakRssMb ?? 0)
        entry.child = { ...addCounts(entry.child, summary), peakRssMb }
      }
      result.checks[group] = addCounts(result.checks[group], run.check)
    }
  }
}

async function scalePhase(result: BenchResult): Promise<void> {
  const sizes = [
    ['small', settings.scale.small],
    [smoke ? 'medium' : 'large', settings.scale.large],
  ] as const
  for (const [key, rows] of sizes) {
    const seeded = await seedLive(key, rows)
    if (seeded.seeded) log(`scale: seeded ${rows} rows in ${Math.round(seeded.ms)} ms`)
  }
  const workers = sizes.map(([table, rows]) => ({
    key: String(rows),
    config: { variant: '@pgstore/core', table, keys: rows, seed: false },
  }))
  await alternate(workers, ['get'], settings.scale.seconds, (rows, _op, run, round) => {
    append(result.scale, rows, run)
    log(
      `scale get on ${rows} rows round ${round + 1}: p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms`,
    )
  })
}

async function prunePhase(result: BenchResult): Promise<void> {
  const v = httpVariants().variants.find((x) => x.name === '@pgstore/express')
  if (!v) {
    result.notes.push('prune under load: skipped, @pgstore/express is not built')
    return
  }
  await seedExpired('express', settings.prune.expired)
  const run = await runPruneUnderLoad(v, { ...settings.http, scenarios: ['read'] })
  if (run.prune.deleted < settings.prune.expired) {
    throw new Error(`bench: prune deleted ${run.prune.deleted} of ${settings.prune.expired} expired rows`)
  }
  result.prune = { expired: settings.prune.expired, ...run }
  log(
    `prune: ${run.prune.deleted} rows in ${Math.round(run.prune.ms)} ms; p99 ${run.baseline.p99.toFixed(2)} → ${run.during.p99.toFixed(2)} ms`,
  )
}

const serverStart = () =>
  withClient(ADMIN_URL, async (c) =>
    String((await c.query('select pg_postmaster_start_time() as t')).rows[0].t),
  )

/** Polls until PostgreSQL accepts connections again. */
async function waitForServer(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await serverStart()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

/**
 * Runs a phase; when it fails because PostgreSQL restarted meanwhile (the server is shared, and other suites
 * restart it on purpose), runs it again from scratch, at most twice. Any other failure ends the run.
 */
async function phase(
  name: string,
  notes: string[],
  run: () => Promise<void>,
  reset: () => void,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const started = await serverStart()
    try {
      await run()
      return
    } catch (err) {
      await waitForServer()
      if (attempt >= 3 || (await serverStart()) === started) throw err
      log(`${name}: PostgreSQL restarted during the phase; running it again`)
      notes.push(`The ${name} phase was rerun because PostgreSQL restarted during it.`)
      reset()
    }
  }
}

async function clearRedis(): Promise<void> {
  const { createClient } = await import('redis')
  const client = createClient({ url: REDIS_URL })
  await client.connect()
  for await (const keys of client.scanIterator({ MATCH: 'pgstore-bench:*', COUNT: 1000 })) {
    if (keys.length > 0) await client.del(keys)
  }
  await client.quit()
}

async function main(): Promise<void> {
  const started = new Date()
  await prepareDatabase()
  await clearRedis()
  const pgVersion = await withClient(
    BENCH_URL,
    async (c) => (await c.query('show server_version')).rows[0].server_version,
  )
  const result: BenchResult = {
    date: started.toISOString(),
    command: `pnpm --filter @pgstore/bench ${smoke ? 'bench:smoke' : 'bench'}${args.filter((a) => a !== '--smoke').length ? ` -- ${args.filter((a) => a !== '--smoke').join(' ')}` : ''}`,
    machine: {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      loadAverageAtStart: loadavg()[0]?.toFixed(1) ?? '?',
      node: process.version,
      postgres: String(pgVersion),
    },
    settings,
    store: {},
    http: {},
    checks: {},
    scale: {},
    missing: [],
    notes: [],
  }
  if (only.has('store'))
    await phase(
      'store',
      result.notes,
      () => storePhase(result),
      () => (result.store = {}),
    )
  if (only.has('http')) {
    await phase(
      'http',
      result.notes,
      () => httpPhase(result),
      () => {
        result.http = {}
        result.checks = {}
        result.missing = []
      },
    )
  }
  if (only.has('scale'))
    await phase(
      'scale',
      result.notes,
      () => scalePhase(result),
      () => (result.scale = {}),
    )
  if (only.has('prune'))
    await phase(
      'prune',
      result.notes,
      () => prunePhase(result),
      () => (result.prune = undefined),
    )
  result.machine.loadAverageAtEnd = loadavg()[0]?.toFixed(1) ?? '?'
  const markdown = report(result)
  const dir = fileURLToPath(new URL('../results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  const name = `${smoke ? 'smoke' : 'bench'}-${started.toISOString().replace(/[:.]/g, '-')}`
  writeFileSync(`${dir}${name}.json`, `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(`${dir}${name}.md`, markdown)
  process.stdout.write(markdown)
  log(`\nwrote bench/results/${name}.json and .md`)
  if (smoke) assertSmoke(result)
}

/**
 * The smoke run asserts nothing about speed, only that the harness still measures what it claims: every
 * variant ran without errors, and the pgstore apps sent one statement per read and login and two per write.
 * With `coalesce: false` those are exact. With coalescing (the default) concurrent calls share statements,
 * so they are upper bounds; with the read cache too, plus at most one announcement per session write (write
 * and login save once each).
 */
function assertSmoke(result: BenchResult): void {
  const problems: string[] = []
  if (result.missing.length > 0) problems.push(`not built: ${result.missing.join(', ')}`)
  const expected = { read: 1, write: 2, login: 1 }
  const saves = { read: 0, write: 1, login: 1 }
  for (const [name, entry] of Object.entries(result.http)) {
    if (!name.startsWith('@pgstore/')) continue
    for (const sample of entry.samples) {
      const want = expected[sample.scenario]
      // With the read cache a read sends a statement only when its session is not cached yet, and a save is
      // followed by its share of a batched announcement, so the counts are bounds.
      const cached = name.includes('(cache')
      const exact = name.includes('coalesce: false')
      const most = want + (cached ? saves[sample.scenario] : 0)
      const off = exact ? Math.abs(sample.statementsPerRequest - want) : sample.statementsPerRequest - most
      // Requests cut off when a slice ends can leave a few statements on the wrong side of the count.
      if (off > 0.02) {
        problems.push(
          `${name} ${sample.scenario}: ${sample.statementsPerRequest} statements per request, want ${exact ? want : `at most ${most}`}`,
        )
      }
      // A count far below the bound means requests did no work at all, not that they shared statements.
      if (!exact && sample.statementsPerRequest < 0.05 && !cached) {
        problems.push(`${name} ${sample.scenario}: ${sample.statementsPerRequest} statements per request`)
      }
    }
  }
  if (problems.length > 0) throw new Error(`bench smoke failed:\n- ${problems.join('\n- ')}`)
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  },
)
