/**
 * The README's code blocks as written: every block type-checks (strict tsc), and the storage and route
 * blocks run through React Router's request handler on their PGlite store: log in, read (the flash once),
 * log out. The one change made is the package's own name, pointed at src so the test needs no build.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRequestHandler } from 'react-router'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildOf } from './app'

const PKG = join(__dirname, '..')
const DIR = join(__dirname, `.readme-${process.pid}`)
const blocks = [...readFileSync(join(PKG, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) =>
  m[1]!.replaceAll("from '@pgstore/react-router'", "from '../../src/index'"),
)
/** A block opening with `// name.ts` is saved under that name (routes.ts imports './sessions.server'). */
const fileOf = (block: string, i: number) => /^\/\/ ([\w.]+\.ts)/.exec(block)?.[1] ?? `block${i}.ts`

beforeAll(() => {
  mkdirSync(DIR, { recursive: true })
  for (const [i, block] of blocks.entries()) writeFileSync(join(DIR, fileOf(block, i)), block)
  writeFileSync(
    join(DIR, 'tsconfig.json'),
    JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts'], compilerOptions: { noEmit: true } }),
  )
})
afterAll(() => rmSync(DIR, { recursive: true, force: true }))

describe('README', () => {
  it('has the storage, routes and error blocks', () => {
    expect(blocks.map(fileOf)).toEqual(['sessions.server.ts', 'routes.ts', 'block2.ts'])
  })

  it('type-checks every block with strict tsc', () => {
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', DIR], {
      encoding: 'utf8',
    })
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
  }, 120_000)

  it('runs the route blocks: log in, read the flash once, log out', async () => {
    process.env.SESSION_SECRET = 'readme-secret-0123456789-abcdefghijklmnop'
    const { storage } = await import(join(DIR, 'sessions.server.ts'))
    const routes = await import(join(DIR, 'routes.ts'))
    const handler = createRequestHandler(
      buildOf({
        login: { action: routes.login },
        me: { loader: routes.me },
        logout: { action: routes.logout },
      }),
      'production',
    )
    const me = async (cookie: string) =>
      (await handler(new Request('http://app.test/me', { headers: { cookie } }))).json()
    try {
      const login = await handler(new Request('http://app.test/login', { method: 'POST' }))
      expect(login.status).toBe(302)
      const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
      expect(await me(cookie)).toEqual({ userId: 'u1', notice: 'Welcome back' })
      expect(await me(cookie)).toEqual({ userId: 'u1', notice: null })
      const logout = await handler(
        new Request('http://app.test/logout', { method: 'POST', headers: { cookie } }),
      )
      expect(logout.headers.getSetCookie()[0]).toMatch(/Max-Age=0/)
      expect(await me(cookie)).toEqual({ userId: null, notice: null })
    } finally {
      await storage.close()
      delete process.env.SESSION_SECRET
    }
  })
})
