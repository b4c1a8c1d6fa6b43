/**
 * The example app through supertest on real PostgreSQL: the counter, sign-in and sign-out with a new id, the
 * flash message, and the sessions page that signs other devices out.
 */
import { pgSessionStore } from '@pgstore/koa'
import { createTestDatabase, digest, type TestDatabase } from '@pgstore/testing'
import request, { type Response } from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppSession, createApp } from '../src/app.js'

let db: TestDatabase
let app: ReturnType<typeof createApp>
let close: () => Promise<void>

beforeAll(async () => {
  db = await createTestDatabase('pg')
  const sessions = pgSessionStore<AppSession>({
    db: db.db,
    table: db.table,
    createTable: true,
    prune: false,
    userId: (d) => d.user,
  })
  close = () => sessions.store.close()
  app = createApp({ sessions, keys: ['example-test-key-0123456789abcdef0123'] })
})
afterAll(async () => {
  await close?.()
  await db?.close()
})

/** A browser: keeps the cookies it is sent and follows nothing on its own. */
function browser(agent = 'test-browser') {
  let cookies: Record<string, string> = {}
  const keep = (res: Response) => {
    for (const raw of (res.headers['set-cookie'] as unknown as string[] | undefined) ?? []) {
      const [pair] = raw.split(';')
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)]
      if (value === '') delete cookies[name]
      else cookies[name] = value
    }
    return res
  }
  const header = () =>
    Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ')
  return {
    get key() {
      return cookies['koa.sess']
    },
    forget: () => {
      cookies = {}
    },
    get: async (path: string) =>
      keep(await request(app.callback()).get(path).set('User-Agent', agent).set('Cookie', header())),
    post: async (path: string, form: Record<string, string> = {}) =>
      keep(
        await request(app.callback())
          .post(path)
          .type('form')
          .send(form)
          .set('User-Agent', agent)
          .set('Cookie', header()),
      ),
  }
}

const views = (res: Response) => Number(/<strong id="views">(\d+)<\/strong>/.exec(res.text)?.[1])
const flash = (res: Response) => /<p class="flash" role="status">([^<]*)<\/p>/.exec(res.text)?.[1]
const userOf = async (key: string) =>
  (
    await db.query<{ user_id: string | null }>(
      `select user_id from ${db.sessions} where id = $1 and expires_at > now()`,
      [digest(key)],
    )
  )[0]?.user_id

async function signIn(name: string, agent: string) {
  const b = browser(agent)
  await b.get('/')
  const res = await b.post('/login', { name })
  expect(res.status).toBe(303)
  return b
}

describe('example-koa', () => {
  it('counts page views in the session', async () => {
    const b = browser()
    expect(views(await b.get('/'))).toBe(1)
    expect(views(await b.get('/'))).toBe(2)
    expect(views(await b.get('/'))).toBe(3)
    b.forget()
    expect(views(await b.get('/'))).toBe(1)
  })

  it('signs in with a new session id, shows the flash once, and signs out with another new id', async () => {
    const b = browser()
    await b.get('/')
    const anonymous = b.key!
    await b.post('/login', { name: 'ada' })
    const signedIn = b.key!
    expect(signedIn).not.toBe(anonymous)
    expect(await userOf(anonymous)).toBeUndefined()
    expect(await userOf(signedIn)).toBe('ada')

    const home = await b.get('/')
    expect(flash(home)).toBe('Welcome, ada!')
    expect(home.text).toContain('Signed in as <strong>ada</strong>')
    expect(views(home), 'the count carries over the sign-in').toBe(2)
    expect(flash(await b.get('/'))).toBeUndefined()

    await b.post('/logout')
    expect(b.key).not.toBe(signedIn)
    expect(await userOf(signedIn)).toBeUndefined()
    const out = await b.get('/')
    expect(flash(out)).toBe('You are logged out.')
    expect(out.text).not.toContain('Signed in as <strong>')
  })

  it('refuses a bad name with a flash and escapes what it shows', async () => {
    const b = browser('<script>alert(1)</script>')
    await b.post('/login', { name: '<script>' })
    const res = await b.get('/')
    expect(flash(res)).toMatch(/^Pick a name/)
    await b.post('/login', { name: 'ada' })
    const sessions = await b.get('/sessions')
    expect(sessions.text).not.toContain('<script>alert(1)')
    expect(sessions.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('names a device from the User-Agent its sign-in sent, with when it signed in and was last seen', async () => {
    const safari =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1'
    const phone = await signIn('hedy', safari)
    const page = await phone.get('/sessions')
    expect(page.text).toMatch(/>Safari on iPhone<\/td>[\s\S]*?<strong>this device<\/strong>/)
    expect(page.text).toContain('<th>Last seen</th>')
    expect(page.text).toContain('>just now</time>')
    expect(page.text, 'no raw ISO date is shown as text').not.toMatch(/>\d{4}-\d\d-\d\dT/)
  })

  it('lists the user’s devices and signs one, then all other, out', async () => {
    const laptop = await signIn('grace', 'laptop')
    const phone = await signIn('grace', 'phone')
    const tablet = await signIn('grace', 'tablet')
    const other = await signIn('linus', 'linus-laptop')

    const page = await laptop.get('/sessions')
    expect(page.status).toBe(200)
    expect(page.text).toMatch(/>laptop<\/td>[\s\S]*?<strong>this device<\/strong>/)
    expect(page.text).toContain('phone')
    expect(page.text).toContain('tablet')
    expect(page.text).not.toContain('linus')
    for (const b of [laptop, phone, tablet]) expect(page.text, 'ids are never shown').not.toContain(b.key!)
    const digests = [...page.text.matchAll(/name="digest" value="([^"]+)"/g)].map((m) => m[1])
    expect(digests.sort()).toEqual([digest(phone.key!), digest(tablet.key!)].sort())

    const revoked = await laptop.post('/sessions/revoke', { digest: digest(phone.key!) })
    expect(revoked.headers.location).toBe('/sessions')
    expect(flash(await laptop.get('/sessions'))).toBe('That device was logged out.')
    expect((await phone.get('/')).text).not.toContain('Signed in as')

    await laptop.post('/sessions/revoke', { digest: digest(other.key!) })
    expect(flash(await laptop.get('/sessions'))).toBe('That session was already gone.')
    expect(await userOf(other.key!), 'another user’s session is out of reach').toBe('linus')

    await laptop.post('/sessions/revoke-others')
    expect(flash(await laptop.get('/sessions'))).toBe('Logged out 1 other device.')
    expect((await tablet.get('/')).text).not.toContain('Signed in as')
    expect((await laptop.get('/')).text).toContain('Signed in as <strong>grace</strong>')
    expect(await userOf(other.key!)).toBe('linus')
  })

  it('sends a signed-out visitor from the sessions page back home', async () => {
    const b = browser()
    const res = await b.get('/sessions')
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/')
    expect(flash(await b.get('/'))).toBe('Log in first.')
    expect((await b.post('/sessions/revoke-others')).headers.location).toBe('/')
  })
})
