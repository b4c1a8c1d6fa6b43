/** The markdown report: medians over rounds, ratios computed within the run, and the targets. */
import { type ChildSummary, HTTP_GROUPS, type HttpSample } from './http'
import type { LoadResult } from './load'
import { addBatches, batchSummary, fmt, median, ratio } from './stats'
import type { StoreRunResult } from './store-worker'

export interface BenchResult {
  date: string
  command: string
  machine: {
    cpus: number
    cpu: string
    memoryGb: number
    node: string
    postgres: string
    loadAverageAtStart: string
    loadAverageAtEnd?: string
  }
  settings: unknown
  store: Record<string, Record<string, StoreRunResult[]>>
  http: Record<string, { group: string; postgres: boolean; samples: HttpSample[]; child?: ChildSummary }>
  /** Per HTTP group: statements the PostgreSQL children sent, their backend starts, PostgreSQL's count. */
  checks: Record<string, { statements: number; connections: number; dbTransactions: number }>
  scale: Record<string, StoreRunResult[]>
  prune?: {
    expired: number
    baseline: LoadResult
    during: LoadResult
    prune: { ms: number; deleted: number; batches: number }
  }
  missing: string[]
  notes: string[]
}

const SCENARIOS = ['read', 'write', 'login'] as const
/** The variants each row of a group is divided by, one ratio column each. */
const PEERS: Record<string, string[]> = {
  express: ['MemoryStore', 'connect-redis', 'connect-pg-simple'],
  koa: ['koa-session (cookie)', 'plain pg store (koa)'],
  next: ['iron-session'],
  hono: ['hono-sessions (cookie)'],
  'react-router': ['createCookieSessionStorage'],
}

interface Cell {
  rps: number
  p50: number
  p99: number
  statements: number
  appCpu: number
  dbCpu: number
  loadCpu: number
}

function httpCell(samples: HttpSample[], scenario: string, connections: number): Cell | undefined {
  const s = samples.filter((x) => x.scenario === scenario && x.connections === connections)
  if (s.length === 0) return undefined
  return {
    rps: median(s.map((x) => x.rps)),
    p50: median(s.map((x) => x.p50)),
    p99: median(s.map((x) => x.p99)),
    statements: median(s.map((x) => x.statementsPerRequest)),
    appCpu: median(s.map((x) => x.appCpuPerRequest)),
    dbCpu: median(s.map((x) => x.dbCpuPerRequest)),
    loadCpu: median(s.map((x) => x.loadCpuPerRequest)),
  }
}

const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`

/** Calls per statement of each coalescing variant of a group at one connection count, pooled over rounds. */
function batchTable(r: BenchResult, group: string, connections: number): string[] {
  const rows: string[] = []
  for (const scenario of SCENARIOS) {
    for (const name of groupNames(r, group)) {
      const slices = r.http[name]!.samples.flatMap((s) =>
        s.scenario === scenario && s.connections === connections && s.batch ? [s.batch] : [],
      )
      const pooled = slices.length > 0 ? slices.reduce(addBatches) : undefined
      // `coalesce: false` and the stores that are no PgStore have nothing to show.
      if (!pooled || pooled.calls === 0) continue
      const b = batchSummary(pooled)
      rows.push(
        row([
          scenario,
          name,
          fmt(pooled.calls),
          fmt(pooled.statements),
          fmt(b.mean, 2),
          fmt(b.quantile),
          `${fmt(b.waited * 100, 1)}%`,
        ]),
      )
    }
  }
  if (rows.length === 0) return []
  const head = [
    'scenario',
    'variant',
    'calls',
    'statements',
    'calls/statement',
    'p99 calls/statement',
    'waited',
  ]
  return [
    `### Coalescing: ${group}, ${connectionsText(connections)}`,
    '',
    row(head),
    row(head.map(() => '---')),
    ...rows,
    '',
  ]
}

const connectionsText = (n: number) => `${n} connection${n === 1 ? '' : 's'}`

const groupNames = (r: BenchResult, group: string) =>
  Object.keys(r.http).filter((n) => r.http[n]?.group === group)

/** The connection counts a group ran at, fewest first. */
function connectionCounts(r: BenchResult, group: string): number[] {
  const counts = new Set<number>()
  for (const name of groupNames(r, group)) for (const s of r.http[name]!.samples) counts.add(s.connections)
  return [...counts].sort((a, b) => a - b)
}
const x = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–')

export function report(r: BenchResult): string {
  const out: string[] = []
  const m = r.machine
  out.push(`## pgstore bench, ${r.date.slice(0, 16).replace('T', ' ')} UTC`)
  out.push('')
  out.push(
    `${m.cpus} × ${m.cpu}, ${m.memoryGb} GB, Node ${m.node}, PostgreSQL ${m.postgres}; load generator, app and ` +
      `database on the same host, shared with other work (1-minute load average ${m.loadAverageAtStart} at start, ` +
      `${m.loadAverageAtEnd ?? '?'} at end). Medians over rounds; ratios are within this run.`,
  )
  out.push(`Reproduce: \`${r.command}\``)
  out.push('')

  for (const group of HTTP_GROUPS) {
    const names = groupNames(r, group)
    const peers = (PEERS[group] ?? []).filter((p) => r.http[p])
    for (const connections of connectionCounts(r, group)) {
      out.push(`### HTTP: ${group} (autocannon, ${connectionsText(connections)})`)
      out.push('')
      const head = ['scenario', 'variant', 'req/s', ...peers.map((p) => `× ${p}`), 'p50 ms', 'p99 ms']
      head.push('queries/req', 'app CPU µs/req', 'PG CPU µs/req', 'autocannon CPU µs/req')
      out.push(row(head), row(head.map(() => '---')))
      for (const scenario of SCENARIOS) {
        const peerCells = peers.map((p) => httpCell(r.http[p]?.samples ?? [], scenario, connections))
        for (const name of names) {
          const entry = r.http[name]!
          const c = httpCell(entry.samples, scenario, connections)
          if (!c) continue
          out.push(
            row([
              scenario,
              name,
              fmt(c.rps),
              ...peerCells.map((p) => x(ratio(c.rps, p?.rps ?? Number.NaN))),
              fmt(c.p50, 2),
              fmt(c.p99, 2),
              entry.postgres ? c.statements.toFixed(2) : '–',
              fmt(c.appCpu),
              entry.postgres ? fmt(c.dbCpu) : '–',
              fmt(c.loadCpu),
            ]),
          )
        }
      }
      out.push('', ...batchTable(r, group, connections))
    }
  }
  if (Object.keys(r.http).length > 0) {
    out.push(
      'Latency to the µs, from each response (autocannon itself keeps whole ms). CPU per request, medians ' +
        'over slices: the app process (`process.cpuUsage`), its PostgreSQL backends (`/proc/<pid>/stat`, 10 ms ' +
        "ticks) and autocannon. On 2 shared cores, req/s follows their sum. Coalescing: the store's " +
        '`batchStats` read before and after each slice, the differences pooled over the rounds; p99 is over ' +
        'statements (99% of them carried at most that many calls), waited the share of calls that joined a batch ' +
        'instead of going out at once.',
    )
    out.push('')
  }

  const memNames = Object.keys(r.http).filter((n) => r.http[n]?.child)
  if (memNames.length > 0) {
    out.push('### Memory: peak RSS of the app process over all its scenarios')
    out.push('')
    out.push(row(['variant', 'group', 'peak RSS MB']))
    out.push(row(['---', '---', '---']))
    for (const name of memNames) {
      const e = r.http[name]!
      out.push(row([name, e.group, fmt(e.child?.peakRssMb ?? Number.NaN)]))
    }
    out.push('')
  }

  const groups = Object.keys(r.checks)
  if (groups.length > 0) {
    out.push('### Query counts: the driver against PostgreSQL')
    out.push('')
    out.push(
      'Queries per request above are statements counted at `pg.Client#query` in the app process. Here their ' +
        "total for each group's PostgreSQL apps is checked against `pg_stat_database` (xact_commit + " +
        'xact_rollback of the bench database, read after every backend exited; each backend start counts one ' +
        'transaction, and autovacuum may add a few).',
    )
    out.push('')
    out.push(row(['group', 'statements sent', '+ backend starts', '= expected', 'PostgreSQL counted']))
    out.push(row(['---', '---', '---', '---', '---']))
    for (const g of groups) {
      const c = r.checks[g]!
      out.push(
        row([
          g,
          fmt(c.statements),
          fmt(c.connections),
          fmt(c.statements + c.connections),
          fmt(c.dbTransactions),
        ]),
      )
    }
    out.push('')
  }

  const storeNames = Object.keys(r.store)
  if (storeNames.length > 0) {
    out.push('### Store level (no HTTP), concurrency 16')
    out.push('')
    out.push(
      row([
        'op',
        'variant',
        'ops/s',
        '× connect-pg-simple',
        'p50 ms',
        'p99 ms',
        'queries/op',
        'client CPU µs/op',
        'PG CPU µs/op',
      ]),
    )
    out.push(row(Array(9).fill('---')))
    for (const op of ['get', 'set', 'touch']) {
      const peer = r.store['connect-pg-simple']?.[op] ?? []
      for (const name of storeNames) {
        const runs = r.store[name]?.[op] ?? []
        if (runs.length === 0) continue
        const ops = median(runs.map((x) => x.opsPerSec))
        out.push(
          row([
            op,
            name,
            fmt(ops),
            x(ratio(ops, median(peer.map((p) => p.opsPerSec)))),
            fmt(median(runs.map((x) => x.p50)), 2),
            fmt(median(runs.map((x) => x.p99)), 2),
            median(runs.map((x) => x.statementsPerOp)).toFixed(2),
            fmt(median(runs.map((x) => x.clientCpuPerOp))),
            fmt(median(runs.map((x) => x.dbCpuPerOp ?? Number.NaN))),
          ]),
        )
      }
    }
    out.push('')
    out.push(
      '`touch` for @pgstore/core runs with `touchAfter: 0` (every call writes); connect-pg-simple always writes.',
    )
    out.push('')
  }

  const scaleKeys = Object.keys(r.scale)
  if (scaleKeys.length > 0) {
    out.push('### Scale: @pgstore/core `get` by table size, concurrency 16')
    out.push('')
    out.push(row(['rows in table', 'ops/s', 'p50 ms', 'p99 ms']))
    out.push(row(['---', '---', '---', '---']))
    for (const k of scaleKeys.sort((a, b) => Number(a) - Number(b))) {
      const runs = r.scale[k]!
      out.push(
        row([
          fmt(Number(k)),
          fmt(median(runs.map((x) => x.opsPerSec))),
          fmt(median(runs.map((x) => x.p50)), 2),
          fmt(median(runs.map((x) => x.p99)), 2),
        ]),
      )
    }
    out.push('')
  }

  if (r.prune) {
    const p = r.prune
    out.push('### Prune under load (@pgstore/express read scenario)')
    out.push('')
    out.push(
      row([
        'expired rows',
        'deleted',
        'batches',
        'prune duration s',
        'baseline p99 ms',
        'p99 during prune ms',
        'ratio',
        'req/s baseline → during',
      ]),
    )
    out.push(row(Array(8).fill('---')))
    out.push(
      row([
        fmt(p.expired),
        fmt(p.prune.deleted),
        fmt(p.prune.batches),
        fmt(p.prune.ms / 1000, 1),
        fmt(p.baseline.p99, 1),
        fmt(p.during.p99, 1),
        x(ratio(p.during.p99, p.baseline.p99)),
        `${fmt(p.baseline.rps)} → ${fmt(p.during.rps)}`,
      ]),
    )
    out.push('')
  }

  out.push(...targets(r))
  if (r.missing.length > 0) out.push('', `Not run (package not built): ${r.missing.join(', ')}.`)
  for (const n of r.notes) out.push('', n)
  out.push('')
  return out.join('\n')
}

/**
 * Issue 15's targets, each with its measured value: medians within this run, @pgstore/express with its
 * defaults. A row is left out when its group or connection count did not run.
 */
function targets(r: BenchResult): string[] {
  const rows: string[] = []
  const check = (target: string, variant: string, value: number, text: string, ok: boolean) =>
    rows.push(
      row([
        target,
        variant,
        Number.isFinite(value) ? text : 'n/a',
        Number.isFinite(value) ? (ok ? 'yes' : '**no**') : '–',
      ]),
    )
  const cell = (name: string, scenario: string, n: number) =>
    httpCell(r.http[name]?.samples ?? [], scenario, n)
  /** `name`'s req/s over `peer`'s, when `name` ran at `n` connections. */
  const throughput = (name: string, peer: string, scenario: string, n: number, min: number) => {
    const ours = cell(name, scenario, n)
    if (!ours) return
    const value = ratio(ours.rps, cell(peer, scenario, n)?.rps ?? Number.NaN)
    check(
      `${scenario} ≥ ${min.toFixed(1)}× ${peer}, ${connectionsText(n)}`,
      name,
      value,
      x(value),
      value >= min,
    )
  }
  /** `name`'s latency percentile against `peer`'s: no worse. */
  const latency = (name: string, peer: string, scenario: string, n: number, p: 'p50' | 'p99') => {
    const ours = cell(name, scenario, n)
    if (!ours) return
    const [a, b] = [ours[p], cell(peer, scenario, n)?.[p] ?? Number.NaN]
    const text = `${fmt(a, 2)} ms vs ${fmt(b, 2)} ms`
    check(`${scenario} ${p} ≤ ${peer}, ${connectionsText(n)}`, name, a + b, text, a <= b)
  }
  const express = '@pgstore/express'
  for (const n of [16, 64]) {
    throughput(express, 'connect-redis', 'read', n, 1.2)
    throughput(express, 'MemoryStore', 'read', n, 1.0)
    throughput(express, 'connect-redis', 'write', n, 1.0)
    throughput(express, 'connect-redis', 'login', n, 1.0)
  }
  for (const n of connectionCounts(r, 'express')) {
    for (const sc of SCENARIOS) latency(express, 'connect-redis', sc, n, 'p99')
  }
  for (const sc of SCENARIOS) latency(express, `${express} (coalesce: false)`, sc, 1, 'p50')
  const get = (name: string) => median((r.store[name]?.get ?? []).map((run) => run.opsPerSec))
  if (r.store['@pgstore/core']) {
    const value = ratio(get('@pgstore/core'), get('connect-pg-simple'))
    check('store get ≥ 3.0× connect-pg-simple, concurrency 16', '@pgstore/core', value, x(value), value >= 3)
  }
  for (const sc of ['read', 'write']) throughput('@pgstore/koa', 'plain pg store (koa)', sc, 16, 1.5)
  throughput('@pgstore/next', 'iron-session', 'read', 16, 2.0)
  if (r.prune) {
    const pr = ratio(r.prune.during.p99, r.prune.baseline.p99)
    const target = `prune of ${fmt(r.prune.expired)} keeps live p99 < 1.5× baseline`
    check(
      target,
      express,
      pr,
      `${x(pr)} (${fmt(r.prune.during.p99, 2)} vs ${fmt(r.prune.baseline.p99, 2)} ms)`,
      pr < 1.5,
    )
  }
  if (rows.length === 0) return []
  const head = ['target', 'variant', 'measured', 'met']
  return ['### Targets (issue 15)', '', row(head), row(head.map(() => '---')), ...rows]
}
