/**
 * The built app as `pnpm start` runs it (server.ts over `dist/`, which `pnpm build` makes), on PostgreSQL from
 * DATABASE_URL and on PGlite: log in, the counter, "your sessions", revoking one and the others, log out.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { FLASH } from '@pgstore/example-shared'
import { createTestDatabase, DATABASE_URL, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browser } from './browser'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Starts server.ts as `pnpm start` does (after its build step); resolves once it prints its URL. */
function start(env: NodeJS.ProcessEnv): { server: ChildProcess; url: Promise<string> } {
  if (!existsSync(`${root}/dist/server/index.js`))
    throw new Error('examples/react-router is not built: run `pnpm build` first.')
  const server = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = new Promise<string>((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += chunk
      const match = /http:\/\/localhost:\d+/.exec(out)
      if (match) resolve(match[0])
    }
    server.stdout!.on('data', onData)
    server.stderr!.on('data', onData)
    server.once('exit', (code) => reject(new Error(`the example exited with ${code}: ${out}`)))
  })
  return { server, url }
}

async function stop(server: ChildProcess): Promise<number | null> {
  if (server.exitCode !== null) return server.exitCode
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve))
  server.kill('SIGTERM')
  return exited
}

let pg: TestDatabase
const database = `pgstore_example_rr_${randomBytes(6).toString('hex')}`

beforeAll(async () => {
  pg = await createTestDatabase('pg')
  await pg.query(`create database "${database}"`)
})
afterAll(async () => {
  await pg?.query(`drop database if exists "${database}" with (force)`)
  await pg?.close()
})

const databaseUrl = () => {
  const url = new URL(DATABASE_URL)
  url.pathname = `/${database}`
  return url.toString()
}

describe.each([
  ['PostgreSQL from DATABASE_URL', () => ({ DATABASE_URL: databaseUrl() })],
  [
    'PGlite without DATABASE_URL, with a random secret',
    () => ({ DATABASE_URL: '', PGLITE_DIR: 'memory', SESSION_SECRETS: '' }),
  ],
])('the built server on %s', (_, env) => {
  let running: ReturnType<typeof start>
  let base: string
  const open = (userAgent?: string) => browser((url, init) => fetch(base + url, init), userAgent)

  beforeAll(async () => {
    running = start(env())
    base = await running.url
  })
  afterAll(async () => {
    if (running) expect(await stop(running.server)).toBe(0)
  })

  it('counts visits, logs in with a new cookie and shows the welcome once', async () => {
    const b = open()
    expect(await b('GET', '/')).toMatchObject({ status: 200, views: 1, user: undefined })
    expect((await b('GET', '/')).views).toBe(2)
    const login = await b('POST', '/login', { name: 'ann' })
    expect(login).toMatchObject({ status: 303, location: '/' })
    expect(await b('GET', '/')).toMatchObject({ views: 3, user: 'ann', flash: FLASH.welcome('ann') })
    expect(await b('GET', '/')).toMatchObject({ views: 4, user: 'ann', flash: undefined })
  })

  it('logs in through data requests, as a <Form> does once the scripts run', async () => {
    const b = open()
    const login = await b('POST', '/login.data', { name: 'eve' })
    // React Router answers a redirect to a data request with 202 and the target in the body.
    expect(login.status).toBe(202)
    const home = await b('GET', '/_.data')
    expect(home.status).toBe(200)
    expect(home.body).toContain('"user","eve"')
    expect(home.body).toContain(FLASH.welcome('eve'))
  })

  it('refuses a bad name with the flash', async () => {
    const b = open()
    expect((await b('POST', '/login', { name: '<script>' })).status).toBe(303)
    expect(await b('GET', '/')).toMatchObject({ user: undefined, flash: FLASH.badName })
  })

  it('lists your sessions, revokes one, then the others', async () => {
    const laptop = open('laptop')
    const phone = open('phone')
    const tablet = open('tablet')
    for (const b of [laptop, phone, tablet])
      expect((await b('POST', '/login', { name: 'cat' })).status).toBe(303)
    const listed = await laptop('GET', '/sessions')
    expect(listed.status).toBe(200)
    expect(listed.body).toContain('<strong>this device</strong>')
    // Each login recorded its browser's User-Agent (getSession was given the Request).
    expect(listed.body).toContain('phone')
    expect(listed.body).toContain('tablet')
    expect(listed.body).not.toContain('unknown device')
    expect(listed.digests).toHaveLength(2)
    expect((await laptop('POST', '/sessions/revoke', { digest: listed.digests[0]! })).location).toBe(
      '/sessions',
    )
    const after = await laptop('GET', '/sessions')
    expect(after).toMatchObject({ flash: FLASH.revoked })
    expect(after.digests).toHaveLength(1)
    expect((await laptop('POST', '/sessions/revoke-others')).status).toBe(303)
    const alone = await laptop('GET', '/sessions')
    expect(alone).toMatchObject({ flash: FLASH.revokedOthers(1), digests: [] })
    expect(alone.body).toContain('No other device is signed in.')
    expect((await phone('GET', '/')).user).toBeUndefined()
    expect((await tablet('GET', '/')).user).toBeUndefined()
    expect((await laptop('GET', '/')).user).toBe('cat')
  })

  it('logs out; "your sessions" then sends you home to log in', async () => {
    const b = open()
    await b('POST', '/login', { name: 'dan' })
    expect((await b('POST', '/logout')).status).toBe(303)
    expect(await b('GET', '/')).toMatchObject({ user: undefined, flash: FLASH.loggedOut })
    expect(await b('GET', '/sessions')).toMatchObject({ status: 303, location: '/' })
    expect((await b('GET', '/')).flash).toBe(FLASH.logInFirst)
  })

  it('refuses a form over 4 KB', async () => {
    expect((await open()('POST', '/login', { name: 'x'.repeat(5_000) })).status).toBe(413)
  })
})

describe('the built server while the database is unreachable', () => {
  it('answers 503 "Try again in a moment."', async () => {
    // Nothing listens on port 1: every connection is refused, which the store reports as DB_UNAVAILABLE.
    const running = start({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' })
    try {
      const res = await fetch(`${await running.url}/`)
      expect(res.status).toBe(503)
      expect(await res.text()).toContain('Try again in a moment.')
    } finally {
      expect(await stop(running.server)).toBe(0)
    }
  })
})
