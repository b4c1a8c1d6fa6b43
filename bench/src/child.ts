/**
 * Each variant runs in its own Node process so that one store's heap, pool and timers never weigh on
 * another's numbers. Parent and child talk over the IPC channel: the child announces `ready` with its port,
 * then answers requests (`stats`, `prune`, `run`) until told to `exit`.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface Reply {
  id: number
  ok: boolean
  value?: unknown
  error?: string
}

export interface Child<Ready = unknown> {
  proc: ChildProcess
  ready: Ready
  call<T>(type: string, body?: unknown): Promise<T>
  stop(): Promise<void>
}

/** Starts `src/<file>` under tsx with `config` as its one argument and waits for its `ready` message. */
export async function startChild<Ready>(
  file: string,
  config: unknown,
  nodeArgs: readonly string[] = [],
  timeoutMs = 60_000,
): Promise<Child<Ready>> {
  const script = fileURLToPath(new URL(file, import.meta.url))
  const proc = fork(script, [JSON.stringify(config)], {
    execArgv: [
      '--import',
      'tsx',
      ...nodeArgs,
      ...(process.env.BENCH_CHILD_ARGS?.split(' ').filter(Boolean) ?? []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 1
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  proc.on('message', (m: Reply) => {
    const waiter = pending.get(m.id)
    if (!waiter) return
    pending.delete(m.id)
    if (m.ok) waiter.resolve(m.value)
    else waiter.reject(new Error(m.error))
  })
  proc.once('exit', (code) => {
    for (const w of pending.values()) w.reject(new Error(`bench: ${file} exited with code ${code}`))
    pending.clear()
  })
  const call = <T>(type: string, body?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = next++
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      proc.send({ id, type, body })
    })
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
  const ready = await call<Ready>('ready').finally(() => clearTimeout(timer))
  return {
    proc,
    ready,
    call,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        await call('exit').catch(() => undefined)
        const guard = setTimeout(() => proc.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(guard)
      }
    },
  }
}

type Handler = (body: unknown) => unknown
/**
 * The child's side: `setup` runs before the first request is answered, and its result is the `ready` reply.
 * `exit` runs `teardown` and ends the process.
 */
export function serveParent(
  setup: () => Promise<unknown>,
  handlers: Record<string, Handler>,
  teardown: () => Promise<void>,
): void {
  const readyValue = setup()
  process.on('message', async (m: { id: number; type: string; body: unknown }) => {
    const reply = (r: Omit<Reply, 'id'>) => process.send?.({ id: m.id, ...r })
    try {
      if (m.type === 'ready') return reply({ ok: true, value: await readyValue })
      if (m.type === 'exit') {
        await teardown()
        process.send?.({ id: m.id, ok: true }, () => process.exit(0))
        return
      }
      const handler = handlers[m.type]
      if (!handler) throw new Error(`unknown request ${m.type}`)
      reply({ ok: true, value: await handler(m.body) })
    } catch (err) {
      reply({ ok: false, error: (err as Error).message })
    }
  })
}

export function childConfig<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024
}
