/**
 * The routes every example app has (Fastify's and Hono's tests run it; the same routes, form field, pages
 * and messages as Express's and Koa's): the visit counter, log in and out with regenerate, "your
 * sessions" with device names and human dates, revoking one session or the others, the nav, the guards
 * and the form limit. Each app's test gives a `send` over its own transport (Fastify's `inject`, Hono's
 * `app.request`, or `fetch` against the started server) and a way to count a user's rows.
 *
 * @example
 * ```ts
 * describeExampleRoutes('in process', {
 *   cookieName: 'pgsid',
 *   send: (url, init) => app.request(url, init),
 *   rowsFor: (user) => db.query(`select 1 from ${db.sessions} where user_id = $1`, [user]),
 * })
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'

export const JSON_ACCEPT = 'application/json'

export interface ExampleTarget {
  /** The session cookie's name, to follow it from Set-Cookie. */
  cookieName: string
  /** Sends one request to the app, as `fetch` does (redirects not followed). */
  send(
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<Response>
  /** The stored rows of `user`'s sessions. */
  rowsFor(user: string): Promise<unknown[]>
}

export interface Sent {
  status: number
  body: string
  json: () => any
  location?: string
  cookie?: string
}

/** A browser with a cookie jar over `target.send`. */
export function cookieBrowser(target: ExampleTarget, userAgent = 'test-browser') {
  let cookie: string | undefined
  return async (
    method: 'GET' | 'POST',
    url: string,
    { form, accept = JSON_ACCEPT }: { form?: Record<string, string>; accept?: string } = {},
  ): Promise<Sent> => {
    const headers: Record<string, string> = { accept, 'user-agent': userAgent }
    if (cookie) headers.cookie = cookie
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded'
    const res = await target.send(url, {
      method,
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
    })
    const body = await res.text()
    const next = res.headers
      .getSetCookie()
      .find((c) => c.startsWith(`${target.cookieName}=`))
      ?.split(';')[0]
    if (next) cookie = next
    return {
      status: res.status,
      body,
      json: () => JSON.parse(body),
      location: res.headers.get('location') ?? undefined,
      cookie: next,
    }
  }
}

export function describeExampleRoutes(label: string, target: ExampleTarget): void {
  describe(`example app routes: ${label}`, () => {
    const browser = (userAgent?: string) => cookieBrowser(target, userAgent)
    const rowsFor = (user: string) => target.rowsFor(user)
    async function logIn(name: string, userAgent = 'test-browser') {
      const b = browser(userAgent)
      expect((await b('POST', '/login', { form: { name } })).status).toBe(303)
      return b
    }

    it('counts visits in the session', async () => {
      const b = browser()
      expect((await b('GET', '/')).json()).toMatchObject({ user: null, views: 1 })
      expect((await b('GET', '/')).json()).toMatchObject({ user: null, views: 2 })
    })

    it('logs in with a new session id, shows the flash once, keeps the count', async () => {
      const b = browser()
      const before = (await b('GET', '/')).cookie!
      const login = await b('POST', '/login', { form: { name: 'ann' } })
      expect(login.status).toBe(303)
      expect(login.location).toBe('/')
      expect(login.cookie).toBeDefined()
      expect(login.cookie).not.toBe(before)
      expect((await b('GET', '/')).json()).toEqual({ user: 'ann', views: 2, flash: 'Welcome, ann!' })
      expect((await b('GET', '/')).json()).toEqual({ user: 'ann', views: 3, flash: null })
      // The pre-login session was deleted by regenerate.
      const old = await target.send('/', { method: 'GET', headers: { cookie: before, accept: JSON_ACCEPT } })
      expect(((await old.json()) as { views: number }).views).toBe(1)
    })

    it('logs out with regenerate', async () => {
      const b = await logIn('ben')
      expect(await rowsFor('ben')).toHaveLength(1)
      expect((await b('POST', '/logout')).status).toBe(303)
      expect((await b('GET', '/')).json()).toMatchObject({ user: null, flash: 'You are logged out.' })
      expect(await rowsFor('ben')).toHaveLength(0)
    })

    it('lists the user’s sessions and logs out the other devices', async () => {
      const laptop = await logIn('cat', 'laptop')
      const phone = await logIn('cat', 'phone')
      const listed = (await laptop('GET', '/sessions')).json().sessions as Array<{
        current: boolean
        device: string
      }>
      expect(listed.map((s) => [s.device, s.current]).sort()).toEqual([
        ['laptop', true],
        ['phone', false],
      ])
      expect((await laptop('POST', '/sessions/revoke-others')).status).toBe(303)
      expect((await phone('GET', '/')).json().user).toBeNull()
      const after = (await laptop('GET', '/sessions')).json()
      expect(after.sessions).toHaveLength(1)
      expect(after.flash).toBe('Logged out 1 other device.')
    })

    it('names each device from the User-Agent its login sent, with when it signed in and was last seen', async () => {
      const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
      const laptop = await logIn('gus', firefox)
      const [entry] = (await laptop('GET', '/sessions')).json().sessions as Array<Record<string, string>>
      expect(entry).toMatchObject({
        device: 'Firefox on Linux',
        userAgent: firefox,
        current: true,
        signedIn: 'just now',
        lastSeen: 'just now',
      })
      const page = await laptop('GET', '/sessions', { accept: 'text/html' })
      expect(page.status).toBe(200)
      expect(page.body).toContain('>Firefox on Linux</td>')
      expect(page.body).toMatch(/<time datetime="\d{4}-[^"]+" title="[^"]+">just now<\/time>/)
      expect(page.body, 'no raw ISO date is shown as text').not.toMatch(/>\d{4}-\d\d-\d\dT/)
    })

    it('revokes one session by digest, and only the user’s own', async () => {
      const laptop = await logIn('dan', 'laptop')
      const phone = await logIn('dan', 'phone')
      const intruder = await logIn('eve')
      const sessions = (await laptop('GET', '/sessions')).json().sessions as Array<{
        digest: string
        current: boolean
      }>
      const phoneDigest = sessions.find((s) => !s.current)!.digest
      await intruder('POST', '/sessions/revoke', { form: { digest: phoneDigest } })
      expect((await intruder('GET', '/sessions')).json().flash).toBe('That session was already gone.')
      expect((await phone('GET', '/')).json().user).toBe('dan')
      expect((await laptop('POST', '/sessions/revoke', { form: { digest: phoneDigest } })).status).toBe(303)
      expect((await phone('GET', '/')).json().user).toBeNull()
      expect((await laptop('GET', '/')).json().user).toBe('dan')
    })

    it('refuses a bad name with a flash, and escapes what it shows', async () => {
      const b = browser()
      expect((await b('POST', '/login', { form: { name: '<script>' } })).status).toBe(303)
      expect((await b('GET', '/')).json()).toMatchObject({
        user: null,
        flash: expect.stringMatching(/^Pick a name/),
      })
      const evil = await logIn('hal', '<script>alert(1)</script>')
      const page = await evil('GET', '/sessions', { accept: 'text/html' })
      expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
      expect(page.body).not.toContain('<script>alert(1)')
    })

    it('shows the nav for the visitor: log-in form signed out; name, sessions and log out signed in', async () => {
      const out = await browser()('GET', '/', { accept: 'text/html' })
      expect(out.body).toContain('<input name="name"')
      expect(out.body).not.toContain('action="/logout"')
      const b = await logIn('ida')
      const page = await b('GET', '/', { accept: 'text/html' })
      expect(page.body).toContain('Signed in as <strong>ida</strong>')
      expect(page.body).toContain('<a href="/sessions">Your sessions</a>')
      expect(page.body).toContain('action="/logout"')
      expect(page.body).not.toContain('Log in')
    })

    it('guards the sessions pages: 401 for JSON, back home with a flash for a browser', async () => {
      expect((await browser()('GET', '/sessions')).status).toBe(401)
      const b = browser()
      const res = await b('GET', '/sessions', { accept: 'text/html' })
      expect(res.status).toBe(303)
      expect(res.location).toBe('/')
      expect((await b('GET', '/')).json().flash).toBe('Log in first.')
      expect((await b('POST', '/sessions/revoke-others', { accept: 'text/html' })).status).toBe(303)
    })

    it('refuses a form over 4 KB', async () => {
      const res = await browser()('POST', '/login', { form: { name: 'x'.repeat(5_000) } })
      expect(res.status).toBe(413)
    })
  })
}

export interface StartTarget {
  /** The example's directory, where `src/server.ts` is. */
  dir: string
  /** The session cookie's name. */
  cookieName: string
  /** The PostgreSQL server's URL (DATABASE_URL), for a database of the test's own. */
  databaseUrl: string
  /** Runs SQL on that server (create and drop the test database). */
  query(text: string): Promise<unknown>
}

/**
 * The process `pnpm start` runs (after its build step), on PostgreSQL from DATABASE_URL and on PGlite with
 * a random secret: it serves, logs in, and exits 0 on SIGTERM.
 */
export function describeStartCommand(options: StartTarget): void {
  describe('pnpm start', () => {
    const database = `pgstore_example_${randomBytes(6).toString('hex')}`
    let server: ChildProcess | undefined

    afterAll(async () => {
      if (server && server.exitCode === null) server.kill('SIGKILL')
      await options.query(`drop database if exists "${database}" with (force)`)
    })

    /** Starts src/server.ts as `pnpm start` does (after its build step); resolves with its URL once it prints it. */
    function start(env: NodeJS.ProcessEnv): Promise<string> {
      server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        cwd: options.dir,
        env: { ...process.env, PORT: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      // Readiness is the startup line, read as it is printed.
      return new Promise<string>((resolve, reject) => {
        let out = ''
        const onData = (chunk: Buffer) => {
          out += chunk
          const match = /http:\/\/localhost:\d+/.exec(out)
          if (match) resolve(match[0])
        }
        server!.stdout!.on('data', onData)
        server!.stderr!.on('data', onData)
        server!.once('exit', (code) => reject(new Error(`the example exited with ${code}: ${out}`)))
      })
    }

    async function loginAndStop(base: string, name: string): Promise<void> {
      const b = cookieBrowser({
        cookieName: options.cookieName,
        send: (url, init) => fetch(base + url, { ...init, redirect: 'manual' }),
        rowsFor: async () => [],
      })
      expect((await b('POST', '/login', { form: { name } })).status).toBe(303)
      expect((await b('GET', '/')).json()).toMatchObject({ user: name, flash: `Welcome, ${name}!` })
      const exited = new Promise<number | null>((resolve) => server!.once('exit', resolve))
      server!.kill('SIGTERM')
      expect(await exited).toBe(0)
    }

    it('serves the app on PostgreSQL from DATABASE_URL and stops cleanly on SIGTERM', async () => {
      await options.query(`create database "${database}"`)
      const url = new URL(options.databaseUrl)
      url.pathname = `/${database}`
      await loginAndStop(await start({ DATABASE_URL: url.toString() }), 'fay')
    })

    it('serves the app on PGlite without DATABASE_URL, with a random secret', async () => {
      await loginAndStop(await start({ DATABASE_URL: '', PGLITE_DIR: 'memory', SESSION_SECRETS: '' }), 'gil')
    })
  })
}
