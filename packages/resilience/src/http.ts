/**
 * HTTP side of the fault suites: start an app in a child process, and drive it with simulated browsers
 * (each with its own cookie) that keep a ledger of the visit counter each one was last told, so an
 * acknowledged write that went missing is counted.
 *
 * @example
 * ```ts
 * const app = await startChild(script, { cwd, env })
 * const load = startBrowsers({ url: app.url, clients: 16, timeoutMs: 15_000 })
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { Agent, createServer, type RequestListener, request } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ChildApp {
  url: string
  child: ChildProcess
  /** Everything the child wrote to stderr and stdout. */
  output(): string
  alive(): boolean
  stop(): Promise<void>
}

export function startChild(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ChildApp> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const onData = (chunk: unknown) => {
      out += String(chunk)
      const m = /listening (\d+)/.exec(out)
      if (m) {
        resolve({
          url: `http://127.0.0.1:${m[1]}`,
          child,
          output: () => out,
          alive: () => child.exitCode === null && child.signalCode === null,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done()
              child.once('exit', () => done())
              child.kill('SIGKILL')
            }),
        })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (chunk) => {
      out += String(chunk)
    })
    child.once('exit', (code) =>
      reject(new Error(`app exited with ${code} before listening: ${out.slice(-2000)}`)),
    )
  })
}

export interface Response {
  start: number
  end: number
  /** HTTP status, or 0 when the request failed without one (reset, timeout). */
  status: number
  error?: string
}

export interface BrowserLedger {
  cookie?: string
  acked: number
  /** Acknowledged counts that a later response contradicted (the counter went back). */
  contradicted: number
}

export interface Browsers {
  readonly responses: Response[]
  readonly ledger: BrowserLedger[]
  waitForOk(count: number): Promise<void>
  waitForOkAfter(t: number): Promise<number>
  stop(): Promise<void>
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10))

/** One GET, resolved with the status and body; rejects on a reset or after `timeoutMs`. */
export function httpGet(
  url: string,
  headers: Record<string, string>,
  agent: Agent,
  timeoutMs: number,
): Promise<{ status: number; body: string; setCookie: string | undefined; setCookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        body += chunk
      })
      res.on('end', () => {
        const setCookies = res.headers['set-cookie'] ?? []
        resolve({ status: res.statusCode ?? 0, body, setCookie: setCookies[0], setCookies })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/** A browser's Cookie header after a response's Set-Cookie headers (Koa sets a value and a signature). */
function mergeCookies(current: string | undefined, set: string[]): string {
  const jar = new Map<string, string>()
  for (const pair of current ? current.split('; ') : []) jar.set(pair.slice(0, pair.indexOf('=')), pair)
  for (const header of set) {
    const pair = header.split(';')[0]!
    jar.set(pair.slice(0, pair.indexOf('=')), pair)
  }
  return [...jar.values()].join('; ')
}

/** One visit as the given browser; updates its cookie and ledger. */
export async function visit(
  url: string,
  b: BrowserLedger,
  timeoutMs: number,
  path = '/',
  agent: Agent = new Agent(),
): Promise<Response> {
  const start = Date.now()
  try {
    const res = await httpGet(
      `${url}${path}`,
      { accept: 'application/json', ...(b.cookie ? { cookie: b.cookie } : {}) },
      agent,
      timeoutMs,
    )
    if (res.status === 200) {
      const views = (JSON.parse(res.body) as { views: number }).views
      if (b.cookie && views <= b.acked) b.contradicted += 1
      if (res.setCookies.length > 0) b.cookie = mergeCookies(b.cookie, res.setCookies)
      b.acked = views
    }
    return { start, end: Date.now(), status: res.status }
  } catch (err) {
    return { start, end: Date.now(), status: 0, error: (err as Error).message }
  }
}

export function startBrowsers(options: {
  url: string
  clients: number
  timeoutMs: number
  /** The page each browser keeps visiting; it must answer JSON `{ views }`. @default '/' */
  path?: string
}): Browsers {
  const responses: Response[] = []
  const ledger: BrowserLedger[] = Array.from({ length: options.clients }, () => ({
    acked: 0,
    contradicted: 0,
  }))
  let running = true
  // Each browser keeps its own connection, so a reset on one never lands on another's request.
  const loops = ledger.map(async (b) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    while (running) {
      const r = await visit(options.url, b, options.timeoutMs, options.path, agent)
      responses.push(r)
      if (r.status !== 200) await tick()
    }
    agent.destroy()
  })
  const oks = () => responses.filter((r) => r.status === 200).length
  return {
    responses,
    ledger,
    async waitForOk(count) {
      const target = oks() + count
      for (let i = 0; i < 3_000 && oks() < target; i++) await tick()
      if (oks() < target) throw new Error(`the app answered fewer than ${count} requests in 30 s`)
    },
    async waitForOkAfter(t) {
      for (let i = 0; i < 3_000; i++) {
        const hit = responses.find((r) => r.status === 200 && r.start >= t)
        if (hit) return hit.end
        await tick()
      }
      throw new Error('the app did not answer 200 again within 30 s')
    },
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
}

/** Serves `handler` on 127.0.0.1 at a free port and returns its URL; `closers` gets what stops it. */
export async function listen(
  handler: RequestListener,
  closers: Array<() => Promise<unknown>>,
): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
