/**
 * Builds the example when its build is missing or older than its sources, then starts `next start` on a free
 * port against a fresh PostgreSQL database, polling until it answers. Used by vitest's globalSetup.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertPostgresReachable, DATABASE_URL } from '@pgstore/testing'
import pg from 'pg'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NEXT_BIN = join(ROOT, 'node_modules/next/dist/bin/next')
const SOURCES = ['app', 'lib', 'proxy.ts', 'next.config.ts', 'package.json']
const PACKAGES = ['../../packages/core/dist/index.mjs', '../../packages/next/dist/index.mjs']

function newest(path: string): number {
  const full = join(ROOT, path)
  if (!existsSync(full)) return Number.POSITIVE_INFINITY
  const stat = statSync(full)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(full).map((entry) => newest(join(path, entry))))
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env: process.env })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed with status ${result.status}`)
}

/** Builds the workspace packages and the app when needed. Returns the `next build` time in ms, or null. */
export function buildIfNeeded(): number | null {
  if (PACKAGES.some((p) => !existsSync(join(ROOT, p)))) {
    run('pnpm', ['--filter', '@pgstore/example-next^...', 'build'])
  }
  const built = join(ROOT, '.next/BUILD_ID')
  const sources = Math.max(...[...SOURCES, ...PACKAGES].map(newest))
  if (existsSync(built) && statSync(built).mtimeMs > sources) return null
  const started = performance.now()
  run(process.execPath, [NEXT_BIN, 'build'])
  return performance.now() - started
}

/** How long the last `next build` took, in ms, from the trace Next writes (also when turbo ran the build). */
export function lastBuildMs(): number | null {
  const trace = join(ROOT, '.next/trace-build')
  if (!existsSync(trace)) return null
  const match = /"name":"next-build","duration":(\d+)/.exec(readFileSync(trace, 'utf8'))
  return match ? Number(match[1]) / 1000 : null
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface RunningApp {
  baseUrl: string
  databaseUrl: string
  stop(): Promise<void>
}

/** A fresh database, so the app's public.http_sessions starts empty and is dropped afterwards. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  await assertPostgresReachable()
  const name = `pgstore_e2e_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: DATABASE_URL })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    },
  }
}

async function waitUntilServing(baseUrl: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output()}`)
    try {
      const res = await fetch(`${baseUrl}/login`)
      if (res.ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`next start did not answer within 60 s:\n${output()}`)
}

/** Starts the built app on PostgreSQL (a fresh database), or with `pglite` on PGlite in that directory. */
export async function startApp(options: { pglite?: string } = {}): Promise<RunningApp> {
  const database = options.pglite ? { url: '', drop: async () => undefined } : await createDatabase()
  const port = await freePort()
  let output = ''
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(port)], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      PGLITE_DIR: options.pglite ?? '',
      SESSION_SECRETS: 'e2e-secret-0123456789-abcdefghijklmnop',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (chunk) => {
    output += chunk
  })
  child.stderr!.on('data', (chunk) => {
    output += chunk
  })
  const baseUrl = `http://localhost:${port}`
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    await database.drop()
  }
  try {
    await waitUntilServing(baseUrl, child, () => output)
  } catch (err) {
    await stop()
    throw err
  }
  return { baseUrl, databaseUrl: database.url, stop }
}
