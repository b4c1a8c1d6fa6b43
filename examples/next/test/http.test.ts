import { describe, expect, it } from 'vitest'
import { Device, sessionRow } from './client'

async function login(device: Device, name: string) {
  const res = await device.submit('/login', { name })
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe('/')
  return res
}

describe('examples/next over HTTP (next start, PostgreSQL)', () => {
  it('renders the home page for a visitor without creating a session', async () => {
    const visitor = new Device()
    const res = await visitor.fetch('/')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('Not signed in')
    expect(res.headers.getSetCookie()).toEqual([])
  })

  it('counter route handler: POST counts in the session, GET reads without writing', async () => {
    const device = new Device()
    for (const expected of [1, 2, 3]) {
      const res = await device.fetch('/api/counter', { method: 'POST' })
      expect(await res.json()).toEqual({ count: expected })
    }
    const set = (await device.fetch('/api/counter', { method: 'POST' })).headers.getSetCookie()
    expect(set[0]).toMatch(
      /^__Host-pgsid=[\w-]{43}\.[\w-]{43}; Path=\/; Max-Age=1209600; .*HttpOnly; Secure; SameSite=Lax/,
    )
    const read = await device.fetch('/api/counter')
    expect(await read.json()).toEqual({ count: 4 })
    expect(read.headers.getSetCookie()).toEqual([])
    expect((await sessionRow(device.sessionId()!))!.data).toEqual({ count: 4 })
  })

  it('a tampered, unknown or oversized cookie gives a new empty session, not an error page', async () => {
    const device = new Device()
    await device.fetch('/api/counter', { method: 'POST' })
    const good = device.cookies.get('__Host-pgsid')!
    for (const bad of [`${good.slice(0, -3)}abc`, `${'A'.repeat(43)}.${'B'.repeat(43)}`, 'x'.repeat(4000)]) {
      const stranger = new Device()
      stranger.cookies.set('__Host-pgsid', bad)
      const res = await stranger.fetch('/api/counter', { method: 'POST' })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ count: 1 })
      expect(stranger.sessionId()).not.toBe(good.split('.')[0])
      expect((await stranger.fetch('/')).status).toBe(200)
    }
  })

  it('login server action regenerates the id, removes the old row and keeps the data', async () => {
    const device = new Device()
    await device.fetch('/api/counter', { method: 'POST' })
    const before = device.sessionId()!
    await login(device, 'Alice')
    const after = device.sessionId()!
    expect(after).not.toBe(before)
    expect(await sessionRow(before)).toBeUndefined()
    expect((await sessionRow(after))!.data).toMatchObject({ userId: 'alice', name: 'Alice', count: 1 })
    expect(await (await device.fetch('/')).text()).toContain('Signed in as <!-- -->Alice')
  })

  it('the nav offers "Log in" to a visitor, and the name and "Your sessions" once signed in', async () => {
    const nav = async (device: Device, path: string) =>
      /<nav id="nav">(.*?)<\/nav>/s.exec(await (await device.fetch(path)).text())?.[1] ?? ''
    const device = new Device()
    for (const path of ['/', '/login']) {
      const visitor = await nav(device, path)
      expect(visitor).toContain('href="/login"')
      expect(visitor).not.toContain('href="/sessions"')
    }
    await login(device, 'Navi')
    for (const path of ['/', '/login', '/sessions']) {
      const member = await nav(device, path)
      expect(member).not.toContain('href="/login"')
      expect(member).toContain('href="/sessions"')
      expect(member).toContain('<span id="nav-user">Navi</span>')
    }
  })

  it('rejects a bad login name without starting a session', async () => {
    const device = new Device()
    const res = await device.submit('/login', { name: '<script>' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login?error=name')
    expect(device.cookies.size).toBe(0)
  })

  it('the flash route handler returns the login notice once', async () => {
    const device = new Device()
    await login(device, 'Flo')
    const first = await device.fetch('/api/flash', { method: 'POST' })
    expect(await first.json()).toEqual({ notice: ['Welcome, Flo!'] })
    const second = await device.fetch('/api/flash', { method: 'POST' })
    expect(await second.json()).toEqual({ notice: [] })
    expect((await sessionRow(device.sessionId()!))!.data).not.toHaveProperty('__pgstore')
  })

  it('proxy.ts sends a request without a session cookie to /login, with no database access', async () => {
    const res = await new Device().fetch('/sessions')
    expect(res.status).toBe(307)
    expect(new URL(res.headers.get('location')!, 'http://x').pathname).toBe('/login')
  })

  it('"your sessions" lists this user\'s devices and revokes the others', async () => {
    const laptop = new Device(undefined, 'laptop-browser')
    const phone = new Device(undefined, 'phone-browser')
    const tablet = new Device(undefined, 'tablet-browser')
    const other = new Device(undefined, 'someone-else')
    await login(laptop, 'Rev')
    await login(phone, 'Rev')
    await login(tablet, 'Rev')
    await login(other, 'Other')
    const page = await (await laptop.fetch('/sessions')).text()
    expect(page).toContain('This device')
    expect(page).toContain('laptop-browser')
    expect(page).toContain('phone-browser')
    expect(page).toContain('tablet-browser')
    expect(page).not.toContain('someone-else')
    expect((await sessionRow(laptop.sessionId()!))!.meta).toEqual({ userAgent: 'laptop-browser' })

    // The first forms each revoke one other session, by digest; the last one revokes every other.
    const digests = [...page.matchAll(/name="digest" value="([^"]+)"/g)].map((m) => m[1]!)
    expect(digests).toHaveLength(2)
    const revokeOne = await laptop.submit('/sessions', { digest: digests[0]! }, 0)
    expect(revokeOne.status).toBe(303)
    const alive = await Promise.all(
      [phone, tablet].map(async (d) => (await sessionRow(d.sessionId()!)) !== undefined),
    )
    expect(alive.filter(Boolean)).toHaveLength(1)

    const revokeAll = await laptop.submit('/sessions', {}, 1)
    expect(revokeAll.status).toBe(303)
    expect(await sessionRow(phone.sessionId()!)).toBeUndefined()
    expect(await sessionRow(tablet.sessionId()!)).toBeUndefined()
    expect(await sessionRow(laptop.sessionId()!)).toBeDefined()
    expect(await sessionRow(other.sessionId()!)).toBeDefined()
    expect(await (await phone.fetch('/')).text()).toContain('Not signed in')
    // A revoked device still has a well-signed cookie: proxy.ts lets it through, the page itself does not.
    const revoked = await phone.fetch('/sessions')
    expect(revoked.status).toBe(307)
    expect(await (await laptop.fetch('/sessions')).text()).toContain('This device')
  })

  it('a server component that writes gets READ_ONLY, and nothing is written', async () => {
    const device = new Device()
    await device.fetch('/api/counter', { method: 'POST' })
    const html = await (await device.fetch('/readonly')).text()
    expect(html).toContain(
      'READ_ONLY: pgstore: cookies can only be written in a server action or route handler',
    )
    expect((await sessionRow(device.sessionId()!))!.data).toEqual({ count: 1 })
  })

  it('logout server action deletes the row and the cookie', async () => {
    const device = new Device()
    await login(device, 'Bye')
    const sid = device.sessionId()!
    const res = await device.submit('/', {}, 0)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login')
    expect(res.headers.getSetCookie()[0]).toMatch(/^__Host-pgsid=;/)
    expect(device.cookies.has('__Host-pgsid')).toBe(false)
    expect(await sessionRow(sid)).toBeUndefined()
  })
})
