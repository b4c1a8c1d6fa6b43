/**
 * The README's code blocks as written: every block type-checks (strict tsc), and the app block runs on its
 * PGlite store through login, read and logout. The one change made is the package's own name, pointed at
 * src so the test needs no build.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const PKG = join(__dirname, '..')
const DIR = join(__dirname, `.readme-${process.pid}`)
const blocks = [...readFileSync(join(PKG, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) =>
  m[1]!.replaceAll("from '@pgstore/hono'", "from '../../src/index'"),
)
/** A block opening with `// name.ts` is saved under that name (server.ts imports './app'). */
const fileOf = (block: string, i: number) => /^\/\/ (\w+\.ts)/.exec(block)?.[1] ?? `block${i}.ts`

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
  it('has the app, server, named-session and error blocks', () => {
    expect(blocks.map(fileOf)).toEqual(['app.ts', 'server.ts', 'block2.ts', 'block3.ts'])
  })

  it('type-checks every block with strict tsc', () => {
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', DIR], {
      encoding: 'utf8',
    })
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
  }, 120_000)

  it('runs the app block: log in, read, log out', async () => {
    process.env.SESSION_SECRET = 'readme-secret-0123456789-abcdefghijklmnop'
    const { app, sessions } = await import(join(DIR, 'app.ts'))
    try {
      const login = await app.request('/login', { method: 'POST' })
      const cookie = login.headers.getSetCookie()[0].split(';')[0]
      expect(await (await app.request('/me', { headers: { cookie } })).json()).toEqual({ userId: 'u1' })
      await app.request('/logout', { method: 'POST', headers: { cookie } })
      expect(await (await app.request('/me', { headers: { cookie } })).json()).toEqual({ userId: null })
    } finally {
      await sessions.close()
      delete process.env.SESSION_SECRET
    }
  })
})
