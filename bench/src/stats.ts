/** Medians, percentiles and ratios over numbers gathered within one run, and batch-size statistics. */
import type { BatchStats } from '@pgstore/core'

export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Nearest-rank percentile; NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

export function ratio(a: number, b: number): number {
  return b > 0 ? a / b : Number.NaN
}

/** A fixed-size latency recorder in microseconds, so a long run does not grow the heap it measures. */
export class LatencyRecorder {
  #samples: Float64Array
  #n = 0
  #seen = 0

  constructor(capacity = 200_000) {
    this.#samples = new Float64Array(capacity)
  }

  /** Keeps every sample until full, then a uniform reservoir sample of all of them. */
  add(micros: number): void {
    this.#seen += 1
    if (this.#n < this.#samples.length) {
      this.#samples[this.#n++] = micros
      return
    }
    const slot = Math.floor(Math.random() * this.#seen)
    if (slot < this.#samples.length) this.#samples[slot] = micros
  }

  get count(): number {
    return this.#seen
  }

  percentiles(): { p50: number; p99: number } {
    const sorted = this.#samples.slice(0, this.#n).sort()
    const at = (p: number) => sorted[Math.min(this.#n - 1, Math.ceil((p / 100) * this.#n) - 1)] ?? Number.NaN
    return { p50: at(50), p99: at(99) }
  }
}

export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a'
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** What a store's coalescing did over a stretch: the difference of two `batchStats`, or a sum of them. */
export type BatchCounts = Pick<BatchStats, 'calls' | 'statements' | 'waited' | 'sizes'>

export function batchDelta(before: BatchCounts, after: BatchCounts): BatchCounts {
  return {
    calls: after.calls - before.calls,
    statements: after.statements - before.statements,
    waited: after.waited - before.waited,
    sizes: after.sizes.map((n, k) => n - (before.sizes[k] ?? 0)),
  }
}

export function addBatches(a: BatchCounts, b: BatchCounts): BatchCounts {
  const sizes = Array.from({ length: Math.max(a.sizes.length, b.sizes.length) }, (_, k) => {
    return (a.sizes[k] ?? 0) + (b.sizes[k] ?? 0)
  })
  return {
    calls: a.calls + b.calls,
    statements: a.statements + b.statements,
    waited: a.waited + b.waited,
    sizes,
  }
}

/**
 * Calls per statement: the mean, the nearest-rank p-th percentile over statements (`sizes[k]` statements
 * carried k calls), and the share of calls that waited for a batch. NaN where no statement went.
 */
export function batchSummary(b: BatchCounts, p = 99): { mean: number; quantile: number; waited: number } {
  const total = b.sizes.reduce((sum, n) => sum + n, 0)
  const rank = Math.max(1, Math.ceil((p / 100) * total))
  let seen = 0
  let quantile = Number.NaN
  for (const [k, n] of b.sizes.entries()) {
    seen += n
    if (total > 0 && seen >= rank) {
      quantile = k
      break
    }
  }
  return { mean: ratio(b.calls, b.statements), quantile, waited: ratio(b.waited, b.calls) }
}
