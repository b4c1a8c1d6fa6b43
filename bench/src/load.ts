/**
 * HTTP load with autocannon. Read and write scenarios rotate through many distinct session cookies made
 * beforehand by logging in, so no store serves one hot row.
 *
 * Latency percentiles are the bench's own: autocannon's histogram keeps whole milliseconds (a 0.4 ms
 * request counts as 0), too coarse at 1 connection, so each response's time (autocannon's `response`
 * event, in fractional ms from `process.hrtime`) goes to a {@link LatencyRecorder} in µs.
 */
import autocannon from 'autocannon'
import { LatencyRecorder } from './stats'

export interface Scenario {
  name: 'read' | 'write' | 'login'
  method: 'GET' | 'POST'
  path: string
  /** Sends a session cookie (read, write) or none (login). */
  withCookie: boolean
}

export const SCENARIOS: Record<Scenario['name'], Scenario> = {
  read: { name: 'read', method: 'GET', path: '/read', withCookie: true },
  write: { name: 'write', method: 'POST', path: '/write', withCookie: true },
  login: { name: 'login', method: 'POST', path: '/login?u=new', withCookie: false },
}

export interface LoadResult {
  requests: number
  rps: number
  /** Latency percentiles in ms, to the µs. */
  p50: number
  p99: number
  errors: number
  non2xx: number
  /** CPU the load generator (this process) spent per request, µs. */
  loadCpuPerRequest: number
}

/** Logs `count` users in, `concurrency` at a time, and returns their `name=value` cookies. */
export async function login(
  base: string,
  count: number,
  path = '/login',
  concurrency = 16,
): Promise<string[]> {
  const cookies: string[] = new Array(count)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const res = await fetch(`${base}${path}?u=u${i}`, { method: 'POST' })
      const set = res.headers.get('set-cookie')
      await res.arrayBuffer()
      if (!res.ok || !set) throw new Error(`bench: login ${i} failed with ${res.status}`)
      // A name set twice keeps its last value, as in a browser (hono-sessions sets its cookie before the
      // handler runs and again after).
      const jar = new Map<string, string>()
      for (const line of res.headers.getSetCookie()) {
        const pair = line.split(';')[0]?.trim() ?? ''
        jar.set(pair.split('=')[0] ?? '', pair)
      }
      cookies[i] = [...jar.values()].join('; ')
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return cookies
}

export interface LoadOptions {
  base: string
  scenario: Scenario
  cookies: readonly string[]
  connections: number
  /** Seconds; ignored when `until` is given. */
  duration: number
  /** Stop when this settles instead of after `duration`. */
  until?: Promise<unknown>
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  let turn = Math.floor(Math.random() * Math.max(1, o.cookies.length))
  const cpuBefore = process.cpuUsage()
  let done: (err: Error | null, r: autocannon.Result) => void = () => undefined
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    done = (err, r) => (err ? reject(err) : resolve(r))
  })
  const instance = autocannon(
    {
      url: o.base,
      connections: o.connections,
      duration: o.until ? 3600 : o.duration,
      requests: [
        {
          method: o.scenario.method,
          path: o.scenario.path,
          setupRequest: (req) => {
            if (!o.scenario.withCookie) return req
            const cookie = o.cookies[turn++ % o.cookies.length]
            return { ...req, headers: { ...req.headers, cookie } }
          },
        },
      ],
    },
    (err, r) => done(err, r),
  )
  const latencies = new LatencyRecorder()
  instance.on('response', (_client, statusCode, _bytes, ms) => {
    if (statusCode >= 200 && statusCode < 300) latencies.add(ms * 1000)
  })
  const stop = () => instance.stop()
  o.until?.then(stop, stop)
  const r = await finished
  const cpu = process.cpuUsage(cpuBefore)
  const { p50, p99 } = latencies.percentiles()
  return {
    requests: r.requests.total,
    rps: r.requests.total / (r.duration || 1),
    p50: p50 / 1000,
    p99: p99 / 1000,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    loadCpuPerRequest: (cpu.user + cpu.system) / Math.max(1, r.requests.total),
  }
}
