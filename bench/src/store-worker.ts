/**
 * Store-level load, one variant per process: `get`, `set` and `touch` calls at a fixed concurrency for a
 * fixed time, straight on the store API (no HTTP), with per-call latency.
 *
 * `touch` runs with `touchAfter: 0` for @pgstore/core, so every call is a real UPDATE; with the default
 * touchAfter a touch inside the window sends no query at all (see the HTTP read rows).
 */
import { PgStore } from '@pgstore/core'
import session from 'express-session'
import { createPool, MAX_AGE } from './apps/shared'
import { childConfig, peakRssMb, serveParent } from './child'
import { countStatements, statementCount } from './count'
import { CPS_STORE_TABLE, SCHEMA, seededSid, TABLES, type TableKey } from './db'
import { LatencyRecorder } from './stats'

countStatements()

export type StoreVariant = '@pgstore/core' | 'connect-pg-simple'
export type StoreOp = 'get' | 'set' | 'touch'

interface Config {
  variant: StoreVariant
  table: TableKey
  /** How many sessions the worker's keys cycle through. */
  keys: number
  /** Write the keys first (otherwise they were seeded by SQL). */
  seed: boolean
}

interface RunBody {
  op: StoreOp
  seconds: number
  concurrency: number
}

export interface StoreRunResult {
  ops: number
  opsPerSec: number
  p50: number
  p99: number
  statementsPerOp: number
  /** CPU this process spent per call, µs. */
  clientCpuPerOp: number
  /** CPU its PostgreSQL backends spent per call, µs; filled in by the orchestrator. */
  dbCpuPerOp?: number
  errors: number
}

interface Ops {
  get(sid: string): Promise<unknown>
  set(sid: string, data: Record<string, unknown>): Promise<void>
  touch(sid: string, data: Record<string, unknown>): Promise<void>
  close(): Promise<void>
}

const config = childConfig<Config>()
const pool = createPool()
const cookie = () => ({
  originalMaxAge: MAX_AGE,
  expires: new Date(Date.now() + MAX_AGE),
  httpOnly: true,
  path: '/',
})

async function createOps(): Promise<Ops> {
  if (config.variant === '@pgstore/core') {
    const store = new PgStore({ pool, table: TABLES[config.table], prune: false, touchAfter: 0 })
    return {
      get: (sid) => store.get(sid),
      set: (sid, data) => store.set(sid, data, { ttl: MAX_AGE }),
      touch: async (sid) => {
        await store.touch(sid, { ttl: MAX_AGE })
      },
      close: () => store.close(),
    }
  }
  const { default: connectPgSimple } = await import('connect-pg-simple')
  const PgSession = connectPgSimple(session)
  const store = new PgSession({
    pool,
    schemaName: SCHEMA,
    tableName: CPS_STORE_TABLE,
    pruneSessionInterval: false,
  })
  const call = <T>(fn: (cb: (err: unknown, value?: T) => void) => void) =>
    new Promise<T | undefined>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))))
  const sess = (data: Record<string, unknown>) =>
    ({ ...data, cookie: cookie() }) as unknown as session.SessionData
  return {
    get: (sid) => call((cb) => store.get(sid, cb)),
    set: async (sid, data) => {
      await call((cb) => store.set(sid, sess(data), cb))
    },
    touch: async (sid, data) => {
      await call((cb) => store.touch(sid, sess(data), cb as () => void))
    },
    close: async () => store.close(),
  }
}

let ops: Ops

async function run({ op, seconds, concurrency }: RunBody): Promise<StoreRunResult> {
  const latency = new LatencyRecorder()
  const before = statementCount()
  const cpuBefore = process.cpuUsage()
  let turn = Math.floor(Math.random() * config.keys)
  let errors = 0
  let n = 0
  const start = performance.now()
  const end = start + seconds * 1000
  const worker = async () => {
    while (performance.now() < end) {
      const i = turn++ % config.keys
      const sid = seededSid(i)
      const data = { userId: `u${i}`, n: n++, cart: ['sku-1', 'sku-2'] }
      const t0 = performance.now()
      try {
        if (op === 'get') {
          if (!(await ops.get(sid))) errors += 1
        } else if (op === 'set') await ops.set(sid, data)
        else await ops.touch(sid, data)
      } catch {
        errors += 1
      }
      latency.add((performance.now() - t0) * 1000)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const { p50, p99 } = latency.percentiles()
  return {
    ops: latency.count,
    opsPerSec: latency.count / elapsed,
    p50: p50 / 1000,
    p99: p99 / 1000,
    statementsPerOp: (statementCount() - before) / Math.max(1, latency.count),
    clientCpuPerOp: (cpu.user + cpu.system) / Math.max(1, latency.count),
    errors,
  }
}

serveParent(
  async () => {
    ops = await createOps()
    if (config.seed) {
      for (let i = 0; i < config.keys; i += 50) {
        const batch = Array.from({ length: Math.min(50, config.keys - i) }, (_, j) => i + j)
        await Promise.all(
          batch.map((k) => ops.set(seededSid(k), { userId: `u${k}`, n: 0, cart: ['sku-1', 'sku-2'] })),
        )
      }
    }
    // JIT and prepared statements warm before the first measured slice, not during it.
    // Tables seeded by SQL are read-only here (the scale rows are reused across runs), so they warm with gets.
    const warm: StoreOp[] = config.seed ? ['get', 'set', 'touch'] : ['get']
    for (const op of warm) await run({ op, seconds: 0.3, concurrency: 16 })
    return { pid: process.pid }
  },
  {
    run: (body) => run(body as RunBody),
    stats: () => ({ statements: statementCount(), peakRssMb: peakRssMb() }),
  },
  async () => {
    await ops.close()
    await pool.end()
  },
)
