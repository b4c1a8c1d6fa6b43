import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from './server'

/** A throwaway app beside the example (so it resolves the same packages) with one client component. */
const PROBE = join(ROOT, `.probe-client-import-${process.pid}`)

describe('importing @pgstore/next from a client component', () => {
  afterAll(() => rmSync(PROBE, { recursive: true, force: true }))

  it('fails next build and names server-only', () => {
    mkdirSync(join(PROBE, 'app'), { recursive: true })
    cpSync(join(ROOT, 'app/layout.tsx'), join(PROBE, 'app/layout.tsx'))
    writeFileSync(
      join(PROBE, 'app/page.tsx'),
      [
        "'use client'",
        "import { hasSessionCookie } from '@pgstore/next'",
        'export default function Page() {',
        '  return <p>{typeof hasSessionCookie}</p>',
        '}',
      ].join('\n'),
    )
    writeFileSync(join(PROBE, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.json' }))
    const build = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/next/dist/bin/next'), 'build', PROBE],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      },
    )
    const output = `${build.stdout}${build.stderr}`
    expect(build.status, output).not.toBe(0)
    expect(output).toMatch(/server-only/)
    expect(output).toMatch(/page\.tsx \[Client Component/)
  })
})
