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

/** The @pgstore/express variants the speed targets are checked for: as shipped, then with the opt-in cache. */
const TARGET_VARIANTS = [
  '@pgstore/express',
  '@pgstore/express (cache)',
  '@pgstore/express (cache, maxAge 5 min)',
] as const

function targets(r: BenchResult): string[] {
  const shipped = TARGET_VARIANTS[0]
  const ours = r.http[shipped]?.samples
  const cps = r.http['connect-pg-simple']?.samples
  const mem = r.http.MemoryStore?.samples
  if (!ours || !cps) return []
  const lines = [
    '### Targets (issue 6)',
    '',
    row(['target', 'variant', 'measured', 'met']),
    row(['---', '---', '---', '---']),
  ]
  const check = (name: string, variant: string, value: number, text: string, ok: boolean) =>
    lines.push(
      row([
        name,
        variant,
        Number.isFinite(value) ? text : 'n/a',
        Number.isFinite(value) ? (ok ? 'yes' : '**no**') : '–',
      ]),
    )
  const c = (s: HttpSample[] | undefined, sc: string) => httpCell(s ?? [], sc, 16)
  const variants = TARGET_VARIANTS.filter((v) => r.http[v])
  const throughput = [
    { target: 'read ≥ 2.0× connect-pg-simple', scenario: 'read', peer: cps, min: 2 },
    { target: 'read ≥ 0.6× MemoryStore', scenario: 'read', peer: mem, min: 0.6 },
    { target: 'write ≥ 1.2× connect-pg-simple', scenario: 'write', peer: cps, min: 1.2 },
  ]
  for (const { target, scenario, peer, min } of throughput) {
    for (const v of variants) {
      const value = ratio(
        c(r.http[v]?.samples, scenario)?.rps ?? Number.NaN,
        c(peer, scenario)?.rps ?? Number.NaN,
      )
      check(target, v, value, x(value), value >= min)
    }
  }
  for (const sc of SCENARIOS) {
    for (const v of variants) {
      const a = c(r.http[v]?.samples, sc)?.p99 ?? Number.NaN
      const b = c(cps, sc)?.p99 ?? Number.NaN
      check(`${sc} p99 ≤ connect-pg-simple`, v, a + b, `${fmt(a, 1)} ms vs ${fmt(b, 1)} ms`, a <= b)
    }
  }
  const readQ = c(ours, 'read')?.statements ?? Number.NaN
  check('read: 1 query/request (inside touchAfter)', shipped, readQ, readQ.toFixed(2), readQ <= 1.005)
  const writeQ = c(ours, 'write')?.statements ?? Number.NaN
  check('write: 2 queries/request', shipped, writeQ, writeQ.toFixed(2), writeQ <= 2.005)
  if (r.prune) {
    const pr = ratio(r.prune.during.p99, r.prune.baseline.p99)
    check(`prune of ${fmt(r.prune.expired)} keeps live p99 < 2× baseline`, shipped, pr, x(pr), pr < 2)
  }
  return lines
}
