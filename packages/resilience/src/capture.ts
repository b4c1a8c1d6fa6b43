/**
 * Captures everything a piece of code logs, through console and straight to stdout/stderr, so a test can
 * search it for session ids, secrets and session data.
 *
 * @example
 * ```ts
 * const logs = captureOutput()
 * try { await work() } finally { logs.restore() }
 * expect(logs.text()).not.toContain(sid)
 * ```
 */
import { inspect } from 'node:util'

export interface Captured {
  text(): string
  restore(): void
}

export function captureOutput(): Captured {
  const chunks: string[] = []
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const
  const saved = methods.map((m) => console[m])
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      chunks.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 8 }))).join(' '))
    }
  }
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  const grab = (chunk: unknown) => {
    chunks.push(String(chunk))
    return true
  }
  process.stdout.write = grab as typeof process.stdout.write
  process.stderr.write = grab as typeof process.stderr.write
  return {
    text: () => chunks.join('\n'),
    restore() {
      methods.forEach((m, i) => {
        console[m] = saved[i]!
      })
      process.stdout.write = out
      process.stderr.write = err
    },
  }
}

/** Everything an error shows when logged: message, stack, own fields and the cause chain. */
export function errorText(err: unknown): string {
  return `${String((err as Error)?.message)}\n${String((err as Error)?.stack)}\n${inspect(err, { depth: 8 })}`
}
