/**
 * Server-side levers for the fault suites: connection strings tagged with an application_name (so a test
 * can find and terminate exactly the store's backends), backend termination, readiness polling, and a
 * server restart when this machine allows one.
 *
 * @example
 * ```ts
 * const app = freshName('res')
 * const store = new PgStore({ connectionString: tagged(app), table })
 * await terminateBackends(app) // every connection the store holds is killed
 * ```
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { DATABASE_URL, freshName } from '@pgstore/testing'
import pg from 'pg'

const run = promisify(execFile)

/** DATABASE_URL with an application_name, so pg_stat_activity tells the store's connections apart. */
export function tagged(appName: string, url = DATABASE_URL): string {
  const u = new URL(url)
  u.searchParams.set('application_name', appName)
  return u.toString()
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Terminates every backend tagged `appName`; returns how many were killed. */
export function terminateBackends(appName: string): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ ok: boolean }>(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [appName],
    )
    return rows.filter((r) => r.ok).length
  })
}

/** Backends tagged `appName`, with what each waits on. */
export function backends(appName: string): Promise<Array<{ state: string | null; wait: string | null }>> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ state: string | null; wait: string | null }>(
      'select state, wait_event_type as wait from pg_stat_activity where application_name = $1',
      [appName],
    )
    return rows
  })
}

/** Polls `check` until it returns true, up to `attempts` tries `every` ms apart. */
export async function pollUntil(check: () => Promise<boolean>, attempts = 200, every = 50): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check().catch(() => false)) return true
    await new Promise((resolve) => setTimeout(resolve, every))
  }
  return false
}

/** True once the server answers a query; polls for up to ~30 s. */
export function waitForPostgres(): Promise<boolean> {
  return pollUntil(async () => withAdmin(async (c) => (await c.query('select 1')).rowCount === 1), 300, 100)
}

const CLUSTER = ['--skip-systemctl-redirect', '15', 'main']

/**
 * Whether this suite may restart the server: pg_ctlcluster must exist, we must run as root to drive it,
 * and PGSTORE_NO_RESTART must not be set (developers share the server).
 */
export async function canRestartPostgres(): Promise<{ ok: boolean; why: string }> {
  if (process.env.PGSTORE_NO_RESTART) return { ok: false, why: 'PGSTORE_NO_RESTART is set' }
  try {
    await run('pg_ctlcluster', [...CLUSTER.slice(1), 'status'])
  } catch (err) {
    const code = (err as { code?: unknown }).code
    // status exits 3 when the cluster is down, which still proves we can drive it.
    if (code !== 3) return { ok: false, why: 'pg_ctlcluster is not available here' }
  }
  const uid = process.getuid?.()
  if (uid !== 0) return { ok: false, why: 'not running as root, so pg_ctlcluster cannot restart the cluster' }
  return { ok: true, why: '' }
}

/** Restarts the cluster (pg_ctlcluster's default fast shutdown) and waits until it answers again. */
export async function restartPostgres(): Promise<void> {
  try {
    await run('pg_ctlcluster', [...CLUSTER, 'restart'], { timeout: 60_000 })
  } finally {
    // Whatever happened, leave the server running for the next suite.
    if (!(await waitForPostgres())) {
      await run('pg_ctlcluster', [...CLUSTER, 'start'], { timeout: 60_000 }).catch(() => undefined)
      await waitForPostgres()
    }
  }
}

/**
 * A fresh schema made and dropped over short-lived connections only. For suites that restart the server:
 * a pooled admin connection left idle across the restart would be dropped, and a pool without an
 * 'error' listener would crash the test process.
 */
export async function freshSchema(
  prefix = 'pgstore_res',
): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = freshName(prefix)
  await withAdmin((c) => c.query(`create schema "${schema}"`))
  return {
    schema,
    drop: async () => {
      await waitForPostgres()
      await withAdmin((c) => c.query(`drop schema if exists "${schema}" cascade`))
    },
  }
}
