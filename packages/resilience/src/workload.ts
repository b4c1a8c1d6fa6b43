/**
 * A write-and-read workload that keeps its own ledger: for every session, the last write the store
 * acknowledged and the last one attempted. After a fault, every session must read back a state between
 * the two, so "acknowledged writes lost" is counted, not assumed.
 *
 * @example
 * ```ts
 * const load = startWorkload({ workers: 8, write: (sid, d) => store.set(sid, d), read: (sid) => store.get(sid) })
 * await load.waitForOps(200)
 * const t0 = Date.now(); await terminateBackends(app)
 * await load.waitForSuccessAfter(t0)
 * const report = await load.stop()
 * ```
 */
import { newSessionId } from '@pgstore/core'

export interface WorkloadOptions {
  workers: number
  sessionsPerWorker?: number
  write(sid: string, data: { n: number; worker: number; pad: string }): Promise<void>
  read(sid: string): Promise<{ n?: unknown } | null | undefined>
}

export interface Outcome {
  start: number
  end: number
  ok: boolean
  error?: unknown
}

export interface Ledger {
  acked: number
  attempted: number
}

export interface WorkloadReport {
  outcomes: Outcome[]
  ledger: Map<string, Ledger>
}

export interface Workload {
  readonly outcomes: Outcome[]
  /** Resolves once `count` more operations succeeded (or rejects after `attempts` polls). */
  waitForOps(count: number): Promise<void>
  /** The end time of the first successful operation that started at or after `t`. */
  waitForSuccessAfter(t: number): Promise<number>
  stop(): Promise<WorkloadReport>
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10))

export function startWorkload(options: WorkloadOptions): Workload {
  const outcomes: Outcome[] = []
  const ledger = new Map<string, Ledger>()
  let running = true
  const pad = 'x'.repeat(200)

  const timed = async (work: () => Promise<unknown>): Promise<boolean> => {
    const start = Date.now()
    try {
      await work()
      outcomes.push({ start, end: Date.now(), ok: true })
      return true
    } catch (error) {
      outcomes.push({ start, end: Date.now(), ok: false, error })
      // A failing store must not turn the workload into a busy loop.
      await tick()
      return false
    }
  }

  const worker = async (w: number) => {
    const sids = Array.from({ length: options.sessionsPerWorker ?? 4 }, () => newSessionId())
    for (const sid of sids) ledger.set(sid, { acked: 0, attempted: 0 })
    for (let i = 0; running; i++) {
      const sid = sids[i % sids.length]!
      const entry = ledger.get(sid)!
      const n = entry.attempted + 1
      entry.attempted = n
      if (await timed(() => options.write(sid, { n, worker: w, pad }))) entry.acked = n
      await timed(async () => {
        const got = await options.read(sid)
        // A read may see an unacknowledged write that committed, never less than the acknowledged one.
        if (entry.acked > 0 && !(typeof got?.n === 'number' && got.n >= entry.acked)) {
          throw new Error('read returned an older state than the last acknowledged write')
        }
      })
    }
  }

  const done = Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)))

  return {
    outcomes,
    async waitForOps(count) {
      const target = outcomes.filter((o) => o.ok).length + count
      for (let i = 0; i < 3_000; i++) {
        if (outcomes.filter((o) => o.ok).length >= target) return
        await tick()
      }
      throw new Error(`workload made no progress (${count} operations wanted)`)
    },
    async waitForSuccessAfter(t) {
      for (let i = 0; i < 3_000; i++) {
        const hit = outcomes.find((o) => o.ok && o.start >= t)
        if (hit) return hit.end
        await tick()
      }
      throw new Error('the store did not serve again within 30 s')
    },
    async stop() {
      running = false
      await done
      return { outcomes, ledger }
    },
  }
}

/**
 * Sessions whose acknowledged state is gone: missing, older than the last acknowledged write, or newer
 * than any write attempted.
 */
export async function lostWrites(
  ledger: Map<string, Ledger>,
  read: (sid: string) => Promise<{ n?: unknown } | null | undefined>,
): Promise<number> {
  let lost = 0
  for (const [sid, { acked, attempted }] of ledger) {
    if (acked === 0) continue
    const got = await read(sid)
    const n = got?.n
    if (typeof n !== 'number' || n < acked || n > attempted) lost += 1
  }
  return lost
}
