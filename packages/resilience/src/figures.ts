/**
 * Figures the suites measure (recovery time, failed requests, lost writes, fuzz cases), printed and kept
 * in results/<suite>.json so RELIABILITY.md can quote what a run actually saw.
 *
 * @example
 * ```ts
 * record('connection-kill', { recoveryMs: 412, failedDuringFault: 37, acknowledgedLost: 0 })
 * ```
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../results/', import.meta.url))

/** Suites this run has written already; a suite's first write replaces what an earlier run left. */
const written = new Set<string>()

export function record(suite: string, figures: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true })
  const file = `${dir}${suite}.json`
  let previous: Record<string, unknown> = {}
  if (written.has(suite)) previous = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  written.add(suite)
  const merged = { ...previous, ...figures, at: new Date().toISOString() }
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`)
  console.log(`[figures] ${suite}: ${JSON.stringify(figures)}`)
}
