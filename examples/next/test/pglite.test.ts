import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Device } from './client'
import { type RunningApp, startApp } from './server'

/**
 * The default setup, without DATABASE_URL: embedded PGlite. Every route bundle must share the one PGlite
 * instance (a second one on the same directory would fail), so this crosses route handlers, server actions
 * and server components in one server.
 */
describe('examples/next on embedded PGlite', () => {
  let app: RunningApp
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pgstore-pglite-'))
    app = await startApp({ pglite: dir })
  })
  afterAll(async () => {
    await app?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('counts, logs in, lists the session and logs out', async () => {
    const device = new Device(app.baseUrl, 'pglite-device')
    expect(await (await device.fetch('/api/counter', { method: 'POST' })).json()).toEqual({ count: 1 })
    expect(await (await device.fetch('/api/counter', { method: 'POST' })).json()).toEqual({ count: 2 })
    const login = await device.submit('/login', { name: 'Lite' })
    expect(login.status).toBe(303)
    expect(await (await device.fetch('/')).text()).toContain('Signed in as <!-- -->Lite')
    expect(await (await device.fetch('/api/flash', { method: 'POST' })).json()).toEqual({
      notice: ['Welcome, Lite!'],
    })
    expect(await (await device.fetch('/sessions')).text()).toContain('pglite-device')
    expect(await (await device.fetch('/api/counter')).json()).toEqual({ count: 2 })
    const logout = await device.submit('/', {}, 0)
    expect(logout.status).toBe(303)
    expect(await (await device.fetch('/')).text()).toContain('Not signed in')
  })
})
