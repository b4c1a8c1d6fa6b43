/**
 * The example in a real browser: Debian's headless Chromium, driven by playwright-core, against the app
 * served by @hono/node-server on PostgreSQL. Log in through the form, see the name and "Your sessions"
 * (this device, named from Chromium's own User-Agent), log out, and the row is gone.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ServerType, serve } from '@hono/node-server'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import { type BrowserContext, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

describe('examples/hono in headless Chromium', () => {
  let db: TestDatabase
  let app: ReturnType<typeof createApp>
  let server: ServerType
  let baseUrl: string
  let context: BrowserContext
  let profile: string

  beforeAll(async () => {
    db = await createTestDatabase('pg')
    app = createApp({ db: db.db, table: db.table, secret: ['an-example-test-secret-of-32-characters'] })
    baseUrl = await new Promise<string>((resolve) => {
      server = serve({ fetch: app.app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve(`http://127.0.0.1:${info.port}`),
      )
    })
    profile = mkdtempSync(join(tmpdir(), 'pgstore-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  })
  afterAll(async () => {
    await context?.close()
    if (profile) rmSync(profile, { recursive: true, force: true })
    if (server) await new Promise((resolve) => server.close(resolve))
    await app?.store.close()
    await db?.close()
  })

  const rowsFor = (user: string) =>
    db.query<{ meta: { ip?: string; userAgent?: string } }>(
      `select meta from ${db.sessions} where user_id = $1`,
      [user],
    )

  it('logs in, shows the name and "Your sessions", logs out and the row is gone', async () => {
    const page = await context.newPage()
    await page.goto(`${baseUrl}/`)
    expect(await page.locator('#views').textContent()).toBe('1')

    await page.fill('input[name="name"]', 'Browser')
    await page.click('#login')
    await page.waitForURL(`${baseUrl}/`)
    expect(await page.locator('#who').textContent()).toBe('Signed in as Browser')
    expect(await page.locator('.flash').textContent()).toBe('Welcome, Browser!')
    const cookie = (await context.cookies(baseUrl)).find((c) => c.name === 'pgsid')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    const rows = await rowsFor('Browser')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.meta).toMatchObject({ ip: '127.0.0.1', userAgent: expect.stringMatching(/Chrome\//) })

    await page.click('text=Your sessions')
    await page.waitForURL(`${baseUrl}/sessions`)
    expect(await page.locator('h1').textContent()).toBe('Your sessions (Hono)')
    const current = page.locator('#sessions tr[data-current="true"] td').first()
    expect(await current.textContent()).toBe('Chrome on Linux')
    expect(await page.locator('#sessions tbody tr').count()).toBe(1)

    await page.click('#logout')
    await page.waitForURL(`${baseUrl}/`)
    expect(await page.locator('.flash').textContent()).toBe('You are logged out.')
    expect(await page.locator('#who').count()).toBe(0)
    expect(await page.locator('#login').count()).toBe(1)
    expect(await rowsFor('Browser')).toHaveLength(0)
  })
})
