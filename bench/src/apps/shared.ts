/**
 * What every HTTP app child shares: the pg pool every PostgreSQL variant gets, the statement counter, and
 * the `stats` / `prune` requests the orchestrator sends.
 */
import { once } from 'node:events'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type BatchStats, PgStore } from '@pgstore/core'
import pg from 'pg'
import { peakRssMb, serveParent } from '../child'
import { countStatements, statementCount } from '../count'
import { BENCH_URL, backendName, POOL_SIZE, TABLES, type TableKey } from '../db'

countStatements()

export const SECRET = 'bench-secret-that-is-at-least-32-characters-long'
export const MAX_AGE = 86_400_000

let started = 0
let open = 0
let batches: { readonly batchStats: BatchStats } | undefined

/** The PgStore whose coalescing statistics `stats` reports: each pgstore app registers the one it made. */
export function reportBatches(store: { readonly batchStats: BatchStats }): void {
  batches = store
}

export function createPool(): pg.Pool {
  // Named after the process so the orchestrator can find this pool's backends; never closed when idle, so
  // their CPU counters cover the whole run.
  const pool = new pg.Pool({
    connectionString: BENCH_URL,
    max: POOL_SIZE,
    idleTimeoutMillis: 0,
    application_name: backendName(process.pid),
  })
  pool.on('error', () => undefined)
  return pool
}

/** Counts requests, so statements per request divide by what the app served, not what the client saw. */
function trackRequests(server: Server): void {
  server.on('request', (_req, res) => {
    started += 1
    open += 1
    res.once('close', () => {
      open -= 1
    })
  })
}

/**
 * Stops the server once the requests on it have finished, so none of them reaches the store after it is
 * closed. Connections still open after 5 s are cut.
 */
async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return
  const closed = new Promise((resolve) => server.close(resolve))
  server.closeIdleConnections()
  const guard = setTimeout(() => server.closeAllConnections(), 5_000)
  await closed
  clearTimeout(guard)
}

export interface AppStats {
  /** Statements sent to PostgreSQL. */
  statements: number
  /** Requests received. */
  requests: number
  /** CPU time of this process so far, user plus system, in µs. */
  cpuMicros: number
  peakRssMb: number
  /** The store's `batchStats`, for the apps on a PgStore. */
  batch?: BatchStats
}

/** Answers once no request is in flight, so the counts are those of whole requests. */
export async function stats(): Promise<AppStats> {
  while (open > 0) await new Promise((resolve) => setImmediate(resolve))
  const cpu = process.cpuUsage()
  return {
    statements: statementCount(),
    requests: started,
    cpuMicros: cpu.user + cpu.system,
    peakRssMb: peakRssMb(),
    batch: batches?.batchStats,
  }
}

/**
 * Sweeps the table's expired rows with core's `prune()`, as the background timer would, inside the app
 * process that serves the live traffic.
 */
export async function pruneTable(
  pool: pg.Pool,
  key: TableKey,
): Promise<{ ms: number; deleted: number; batches: number }> {
  // queryTimeout bounds the whole prune() call, not one batch, so a sweep of a large backlog needs 0 here.
  const store = new PgStore({ pool, table: TABLES[key], prune: false, queryTimeout: 0 })
  const start = performance.now()
  const result = await store.prune()
  const ms = performance.now() - start
  await store.close()
  return { ms, deleted: result.deleted, batches: result.batches }
}

/**
 * Runs an app child: `listen` starts the server on a loopback port; its requests are counted; the
 * orchestrator's `stats` and `prune` requests are answered; on exit the server stops serving before the
 * store (`closeStore`) and the pool close.
 */
export function serveApp(
  key: TableKey,
  pool: pg.Pool,
  listen: () => Promise<Server>,
  closeStore: () => Promise<void>,
): void {
  let server: Server | undefined
  serveParent(
    async () => {
      const listening = await listen()
      server = listening
      trackRequests(listening)
      if (!listening.listening) await once(listening, 'listening')
      return { port: (listening.address() as AddressInfo).port }
    },
    { stats: () => stats(), prune: () => pruneTable(pool, key) },
    async () => {
      await closeServer(server)
      await closeStore()
      await pool.end()
    },
  )
}

/**
 * A node:http listener over a fetch-style handler: the conversion to and from Web Request/Response that
 * Next's route handlers and React Router's request handler also go through. `route` is `METHOD /path`.
 * Request bodies are not forwarded; no bench route reads one.
 */
export function webBridge(handler: (request: Request, route: string) => Response | Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
      const response = await handler(
        new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers }),
        `${req.method} ${(req.url ?? '/').split('?')[0]}`,
      )
      const out: Record<string, string | string[]> = {}
      response.headers.forEach((v, k) => {
        if (k !== 'set-cookie') out[k] = v
      })
      const cookies = response.headers.getSetCookie()
      if (cookies.length > 0) out['set-cookie'] = cookies
      res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()))
    } catch {
      res.writeHead(500).end()
    }
  }
}
