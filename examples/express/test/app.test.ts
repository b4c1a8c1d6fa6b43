/**
 * The example app on real PostgreSQL: in process through createApp, and as the process `pnpm start` runs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { createTestDatabase, DATABASE_URL, type TestDatabase } from '@pgstore/testing'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app'

const json = { Accept: 'application/json' }
let db: TestDatabase
let app: ReturnType<typeof createApp>

beforeAll(async () => {
  db = await createTestDatabase('pg')
  app = createApp({ db: db.db, table: db.table, secret: ['an-example-test-secret-of-32-characters'] })
})
afterAll(async () => {
  await app?.store.close()
  await db?.close()
})

const rowsFor = async (user: string) => db.query(`select 1 from ${db.sessions} where user_id = $1`, [user])

async function logIn(name: string, agentName = 'test-browser') {
  const agent = request.agent(app.app)
  await agent.post('/login').set('User-Agent', agentName).type('form').send({ name }).expect(303)
  return agent
}

describe('example app', () => {
  it('counts visits in the session', async () => {
    const agent = request.agent(app.app)
    expect((await agent.get('/').set(json)).body).toMatchObject({ user: null, views: 1 })
    expect((await agent.get('/').set(json)).body).toMatchObject({ user: null, views: 2 })
  })

  it('logs in with a new session id, shows the flash once, keeps the count', async () => {
    const agent = request.agent(app.app)
    const first = await agent.get('/').set(json)
    const before = first.headers['set-cookie']![0]!.split(';')[0]
    const login = await agent.post('/login').type('form').send({ name: 'ann' }).expect(303)
    expect(login.headers['set-cookie']![0]!.split(';')[0]).not.toBe(before)
    expect((await agent.get('/').set(json)).body).toEqual({ user: 'ann', views: 2, flash: 'Welcome, ann!' })
    expect((await agent.get('/').set(json)).body).toEqual({ user: 'ann', views: 3, flash: null })
    // The pre-login session was deleted by regenerate.
    expect((await request(app.app).get('/').set('Cookie', before!).set(json)).body.views).toBe(1)
  })

  it('logs out with regenerate', async () => {
    const agent = await logIn('ben')
    expect(await rowsFor('ben')).toHaveLength(1)
    await agent.post('/logout').expect(303)
    expect((await agent.get('/').set(json)).body).toMatchObject({ user: null, flash: 'You are logged out.' })
    expect(await rowsFor('ben')).toHaveLength(0)
  })

  it('lists the user’s sessions and logs out the other devices', async () => {
    const laptop = await logIn('cat', 'laptop')
    const phone = await logIn('cat', 'phone')
    const listed = (await laptop.get('/sessions').set(json)).body.sessions as Array<{
      current: boolean
      device: string
    }>
    expect(listed.map((s) => [s.device, s.current]).sort()).toEqual([
      ['laptop', true],
      ['phone', false],
    ])
    await laptop.post('/sessions/revoke-others').expect(303)
    expect((await phone.get('/').set(json)).body.user).toBeNull()
    const after = (await laptop.get('/sessions').set(json)).body
    expect(after.sessions).toHaveLength(1)
    expect(after.flash).toBe('Logged out 1 other device.')
  })

  it('names each device from the User-Agent its login sent, with when it signed in and was last seen', async () => {
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
    const laptop = await logIn('gus', firefox)
    await laptop.get('/').set('User-Agent', 'something else').set(json).expect(200)
    const [entry] = (await laptop.get('/sessions').set(json)).body.sessions as Array<Record<string, string>>
    expect(entry).toMatchObject({
      device: 'Firefox on Linux',
      userAgent: firefox,
      current: true,
      signedIn: 'just now',
      lastSeen: 'just now',
    })
    expect(Date.parse(entry!.lastSeenAt!)).toBeGreaterThanOrEqual(Date.parse(entry!.createdAt!))
    const page = await laptop.get('/sessions').set('Accept', 'text/html').expect(200)
    expect(page.text).toContain('>Firefox on Linux</td>')
    expect(page.text).toContain('<th>Last seen</th>')
    expect(page.text).toMatch(/<time datetime="\d{4}-[^"]+" title="[^"]+">just now<\/time>/)
    expect(page.text, 'no raw ISO date is shown as text').not.toMatch(/>\d{4}-\d\d-\d\dT/)
  })

  it('revokes one session by digest, and only the user’s own', async () => {
    const laptop = await logIn('dan', 'laptop')
    const phone = await logIn('dan', 'phone')
    const intruder = await logIn('eve')
    const sessions = (await laptop.get('/sessions').set(json)).body.sessions as Array<{
      digest: string
      current: boolean
    }>
    const phoneDigest = sessions.find((s) => !s.current)!.digest
    await intruder.post('/sessions/revoke').type('form').send({ digest: phoneDigest }).expect(303)
    expect((await intruder.get('/sessions').set(json)).body.flash).toBe('That session was already gone.')
    expect((await phone.get('/').set(json)).body.user).toBe('dan')
    await laptop.post('/sessions/revoke').type('form').send({ digest: phoneDigest }).expect(303)
    expect((await phone.get('/').set(json)).body.user).toBeNull()
    expect((await laptop.get('/').set(json)).body.user).toBe('dan')
  })

  it('refuses a bad name with a flash, and escapes what it shows', async () => {
    const agent = request.agent(app.app)
    await agent.post('/login').type('form').send({ name: '<script>' }).expect(303)
    expect((await agent.get('/').set(json)).body).toMatchObject({
      user: null,
      flash: expect.stringMatching(/^Pick a name/),
    })
    const evil = await logIn('hal', '<script>alert(1)</script>')
    const page = await evil.get('/sessions').set('Accept', 'text/html').expect(200)
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(page.text).not.toContain('<script>alert(1)')
  })

  it('shows the nav for the visitor: log-in form signed out; name, sessions and log out signed in', async () => {
    const out = await request(app.app).get('/').set('Accept', 'text/html').expect(200)
    expect(out.text).toContain('<input name="name"')
    expect(out.text).not.toContain('action="/logout"')
    const agent = await logIn('ida')
    const page = await agent.get('/').set('Accept', 'text/html').expect(200)
    expect(page.text).toContain('Signed in as <strong>ida</strong>')
    expect(page.text).toContain('<a href="/sessions">Your sessions</a>')
    expect(page.text).toContain('action="/logout"')
    expect(page.text).not.toContain('Log in')
  })

  it('guards the sessions pages: 401 for JSON, back home with a flash for a browser', async () => {
    await request(app.app).get('/sessions').set(json).expect(401)
    const agent = request.agent(app.app)
    const res = await agent.get('/sessions').set('Accept', 'text/html').expect(303)
    expect(res.headers.location).toBe('/')
    expect((await agent.get('/').set(json)).body.flash).toBe('Log in first.')
    await agent.post('/sessions/revoke-others').set('Accept', 'text/html').expect(303)
  })
})

describe('pnpm start', () => {
  const database = `pgstore_example_${randomBytes(6).toString('hex')}`
  let server: ChildProcess | undefined

  afterAll(async () => {
    if (server && server.exitCode === null) server.kill('SIGKILL')
    await db.query(`drop database if exists "${database}" with (force)`)
  })

  it('serves the app on PostgreSQL from DATABASE_URL and stops cleanly on SIGTERM', async () => {
    await db.query(`create database "${database}"`)
    const url = new URL(DATABASE_URL)
    url.pathname = `/${database}`
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, DATABASE_URL: url.toString(), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Readiness is the startup line, read as it is printed.
    const base = await new Promise<string>((resolve, reject) => {
      let out = ''
      server!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk
        const match = /http:\/\/localhost:\d+/.exec(out)
        if (match) resolve(match[0])
      })
      server!.stderr!.on('data', (chunk: Buffer) => {
        out += chunk
      })
      server!.once('exit', (code) => reject(new Error(`the example exited with ${code}: ${out}`)))
    })
    const agent = request.agent(base)
    await agent.post('/login').type('form').send({ name: 'fay' }).expect(303)
    expect((await agent.get('/').set(json)).body).toMatchObject({ user: 'fay', flash: 'Welcome, fay!' })

    const exited = new Promise<number | null>((resolve) => server!.once('exit', resolve))
    server.kill('SIGTERM')
    expect(await exited).toBe(0)
  })
})
