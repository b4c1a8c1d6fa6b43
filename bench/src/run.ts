/**
 * `pnpm --filter @pgstore/bench bench`: every phase, a markdown table on stdout, JSON in bench/results/.
 * `--smoke` runs a few-seconds version for CI that checks the harness works and asserts nothing on speed.
 * `--rounds N`, `--seconds S` and `--only store,http,scale,prune` narrow a development run.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { startChild } from './child'
import { BENCH_URL, prepareDatabase, REDIS_URL, seedExpired, seedLive, withClient } from './db'
import { type ChildSummary, type HttpSample, httpVariants, runHttpVariant, runPruneUnderLoad } from './http'
import { type BenchResult, report } from './report'
import type { StoreOp, StoreRunResult, StoreVariant } from './store-worker'

const args = process.argv.slice(2).filter((a) => a !== '--')
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const smoke = args.includes('--smoke')
const only = new Set((flag('only') ?? 'store,http,scale,prune').split(','))
const rounds = Number(flag('rounds') ?? (smoke ? 1 : 3))
const seconds = Number(flag('seconds') ?? (smoke ? 0.5 : 6))
const settings = {
  smoke,
  rounds,
  http: {
    seconds,
    warmupSeconds: smoke ? 0 : 2,
    connections: 16,
    cookies: smoke ? 50 : 2_000,
    scenarios: ['read', 'write', 'login'] as const,
  },
  store: { seconds: smoke ? 0.5 : Math.max(1, seconds / 2), concurrency: 16, keys: smoke ? 100 : 2_000 },
  scale: { small: 1_000, large: smoke ? 10_000 : 1_000_000, seconds: smoke ? 0.5 : Math.max(1, seconds / 2) },
  prune: { expired: smoke ? 5_000 : 500_000 },
}

/** Round r runs the variants in a rotated order, so no variant always goes first or last. */
const rotate = <T>(list: readonly T[], r: number) => list.map((_, i) => list[(i + r) % list.length] as T)
const append = <T>(map: Record<string, T[]>, key: string, value: T) => {
  map[key] = [...(map[key] ?? []), value]
}
const log = (line: string) => process.stderr.write(`${line}\n`)

async function storePhase(result: BenchResult): Promise<void> {
  const variants: StoreVariant[] = ['@pgstore/core', 'connect-pg-simple']
  const ops: StoreOp[] = ['get', 'set', 'touch']
  for (let r = 0; r < rounds; r++) {
    for (const variant of rotate(variants, r)) {
      const table = 'store'
      const child = await startChild('store-worker.ts', {
        variant,
        table,
        keys: settings.store.keys,
        seed: true,
      })
      try {
        for (const op of rotate(ops, r)) {
          const run = await child.call<StoreRunResult>('run', {
            op,
            seconds: settings.store.seconds,
            concurrency: settings.store.concurrency,
          })
          if (run.errors > 0) throw new Error(`bench: ${variant} ${op} had ${run.errors} failed calls`)
          result.store[variant] ??= {}
          append(result.store[variant], op, run)
          log(`store ${variant} ${op} round ${r + 1}: ${Math.round(run.opsPerSec)} ops/s`)
        }
      } finally {
        await child.stop()
      }
    }
  }
}

async function httpPhase(result: BenchResult): Promise<void> {
  const { variants, missing } = httpVariants()
  result.missing.push(...missing)
  for (let r = 0; r < rounds; r++) {
    for (const v of rotate(variants, r)) {
      const entry = result.http[v.name] ?? { group: v.group, postgres: v.postgres, samples: [], children: [] }
      result.http[v.name] = entry
      const summary: ChildSummary = await runHttpVariant(
        v,
        r,
        { ...settings.http, scenarios: [...settings.http.scenarios] },
        (s: HttpSample) => {
          entry.samples.push(s)
          log(`http ${v.name} ${s.scenario} round ${r + 1}: ${Math.round(s.rps)} req/s, p99 ${s.p99} ms`)
        },
      )
      entry.children.push(summary)
    }
  }
}

async function scalePhase(result: BenchResult): Promise<void> {
  for (const [key, rows] of [
    ['small', settings.scale.small],
    ['large', settings.scale.large],
  ] as const) {
    const seeded = await seedLive(key, rows)
    if (seeded.seeded) log(`scale: seeded ${rows} rows in ${Math.round(seeded.ms)} ms`)
  }
  for (let r = 0; r < rounds; r++) {
    for (const key of rotate(['small', 'large'] as const, r)) {
      const rows = settings.scale[key]
      const child = await startChild('store-worker.ts', {
        variant: '@pgstore/core',
        table: key,
        keys: rows,
        seed: false,
      })
      try {
        const run = await child.call<StoreRunResult>('run', {
          op: 'get',
          seconds: settings.scale.seconds,
          concurrency: 16,
        })
        if (run.errors > 0) throw new Error(`bench: get on ${rows} rows missed ${run.errors} seeded sessions`)
        append(result.scale, String(rows), run)
        log(
          `scale get on ${rows} rows round ${r + 1}: p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms`,
        )
      } finally {
        await child.stop()
      }
    }
  }
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
    `prune: ${run.prune.deleted} rows in ${Math.round(run.prune.ms)} ms; p99 ${run.baseline.p99} → ${run.during.p99} ms`,
  )
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
      node: process.version,
      postgres: String(pgVersion),
    },
    settings,
    store: {},
    http: {},
    scale: {},
    missing: [],
    notes: [],
  }
  if (only.has('store')) await storePhase(result)
  if (only.has('http')) await httpPhase(result)
  if (only.has('scale')) await scalePhase(result)
  if (only.has('prune')) await prunePhase(result)
  const markdown = report(result)
  const dir = fileURLToPath(new URL('../results/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  const name = `${smoke ? 'smoke' : 'bench'}-${started.toISOString().replace(/[:.]/g, '-')}`
  writeFileSync(`${dir}${name}.json`, `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(`${dir}${name}.md`, markdown)
  process.stdout.write(markdown)
  log(`\nwrote bench/results/${name}.json and .md`)
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  },
)
