import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { sessionRow } from './client'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

describe('examples/next in headless Chromium', () => {
  let context: BrowserContext
  let profile: string
  const baseUrl = inject('baseUrl')

  beforeAll(async () => {
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
  })

  it('logs in, keeps the counter across reloads, shows the flash once, logs out and the row is gone', async () => {
    const started = performance.now()
    const page = await context.newPage()
    const count = page.locator('#count')
    const flash = page.locator('#flash[data-loaded]')

    await page.goto(`${baseUrl}/login`)
    await page.fill('#name', 'Browser')
    await page.click('#login')
    await page.waitForURL(`${baseUrl}/`)
    await expect.poll(() => page.locator('#who').textContent()).toBe('Signed in as Browser')
    await flash.waitFor({ state: 'attached' })
    expect(await flash.textContent()).toBe('Welcome, Browser!')

    const cookie = (await context.cookies(baseUrl)).find((c) => c.name === '__Host-pgsid')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true })
    const sid = cookie!.value.split('.')[0]!
    expect(await sessionRow(sid)).toMatchObject({
      data: { name: 'Browser' },
      meta: { userAgent: expect.stringMatching(/Chrome\//) },
    })
    await page.goto(`${baseUrl}/sessions`)
    expect(await page.locator('#sessions li').first().textContent()).toMatch(
      /^This device: Chrome on Linux, signed in /,
    )
    await page.goto(`${baseUrl}/`)

    await page.click('#increment')
    await expect.poll(() => count.textContent()).toBe('1')
    await page.click('#increment')
    await expect.poll(() => count.textContent()).toBe('2')

    for (let i = 0; i < 2; i++) {
      await page.reload()
      expect(await count.textContent()).toBe('2')
      await flash.waitFor({ state: 'attached' })
      expect(await flash.textContent(), 'the flash came back after a reload').toBe('')
    }
    expect((await sessionRow(sid))!.data).toMatchObject({ count: 2 })

    await page.click('#logout')
    await page.waitForURL(`${baseUrl}/login`)
    expect((await context.cookies(baseUrl)).find((c) => c.name === '__Host-pgsid')).toBeUndefined()
    expect(await sessionRow(sid)).toBeUndefined()
    await page.goto(`${baseUrl}/`)
    expect(await page.locator('#who').textContent()).toContain('Not signed in')
    console.log(`browser test took ${((performance.now() - started) / 1000).toFixed(1)} s (after launch)`)
  })
})
