/**
 * The README's snippet in an app outside the monorepo: a temp directory whose node_modules holds the built
 * @pgstore packages (copied, as an install from the registry would) and links to the workspace's next,
 * react and drivers. `next build` must pass with no SESSION_SECRETS and no DATABASE_URL, and strict tsc too.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, sep } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const PKG = join(__dirname, '..')
const CORE = join(PKG, '../core')
const LINKED = [
  'next',
  'react',
  'react-dom',
  'drizzle-orm',
  'pg',
  '@electric-sql/pglite',
  'server-only',
  '@types/react',
  '@types/pg',
]
const ROOT_LINKED = ['typescript', '@types/node']

const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'outside-app', private: true, type: 'module' }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      lib: ['dom', 'dom.iterable', 'ES2022'],
      strict: true,
      noEmit: true,
      module: 'ESNext',
      moduleResolution: 'Bundler',
      jsx: 'react-jsx',
      isolatedModules: true,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
      paths: { '@/*': ['./*'] },
      plugins: [{ name: 'next' }],
    },
    include: ['**/*.ts', '**/*.tsx'],
    exclude: ['node_modules'],
  }),
  'lib/session.ts': `import { createSessions } from '@pgstore/next'

export interface AppSession {
  userId?: string
  count?: number
}

export const { getSession, withSession, hasSessionCookie, store } = createSessions<AppSession>(
  () => ({
    store: { connectionString: process.env.DATABASE_URL, createTable: true, userId: (d) => d.userId },
    secrets: process.env.SESSION_SECRETS?.split(','),
  }),
  { globalKey: 'app-sessions' },
)
`,
  // The package README's other lib/session.ts variants, type-checked beside the first.
  'lib/pglite-session.ts': `import { PGlite } from '@electric-sql/pglite'
import { createSessions } from '@pgstore/next'
import { drizzle } from 'drizzle-orm/pglite'

export const { getSession, withSession } = createSessions(
  () => ({
    store: { db: drizzle({ client: new PGlite('./.pglite-data') }), createTable: true },
    secrets: process.env.SESSION_SECRETS?.split(','),
  }),
  { globalKey: 'app-sessions' },
)
`,
  'lib/metadata-session.ts': `import { createSessions } from '@pgstore/next'

export const { getSession } = createSessions<{ userId?: string }>(() => ({
  store: { connectionString: process.env.DATABASE_URL, userId: (d) => d.userId },
  secrets: process.env.SESSION_SECRETS?.split(','),
  metadata: (headers) => ({
    userAgent: headers.get('user-agent') ?? undefined,
    ip: headers.get('x-forwarded-for')?.split(',')[0]?.trim(),
  }),
}))
`,
  'app/layout.tsx': `export default function Layout({ children }: { children: React.ReactNode }) {\n  return <html lang="en"><body>{children}</body></html>\n}\n`,
  'app/page.tsx': `import { getSession } from '@/lib/session'\n\nexport default async function Page() {\n  const session = await getSession()\n  return <p>{session.get('userId') ?? 'signed out'}</p>\n}\n`,
  'app/api/counter/route.ts': `import { withSession } from '@/lib/session'\n\nexport const POST = withSession(async (_request, _context, session) => {\n  session.set('count', (session.get('count') ?? 0) + 1)\n  return Response.json({ count: session.get('count') })\n})\nexport const GET = withSession(async (_request, _context, session) => Response.json({ count: session.get('count') ?? 0 }))\n`,
  'app/api/cron/prune/route.ts': `import { store } from '@/lib/session'

export async function GET(request: Request) {
  if (request.headers.get('authorization') !== \`Bearer \${process.env.CRON_SECRET}\`) {
    return new Response('Unauthorized', { status: 401 })
  }
  const removed = await store.prune()
  return Response.json({ removed })
}
`,
}

function link(dir: string, name: string, from: string) {
  const target = join(dir, 'node_modules', name)
  mkdirSync(dirname(target), { recursive: true })
  symlinkSync(realpathSync(join(from, 'node_modules', name)), target)
}

function commonAncestor(a: string, b: string): string {
  const x = a.split(sep)
  const y = b.split(sep)
  let i = 0
  while (i < x.length && x[i] === y[i]) i++
  return x.slice(0, i).join(sep) || sep
}

describe('an outside app from the README', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgstore-next-app-'))
    // The README's config, plus a Turbopack root above both this directory and the workspace: Turbopack
    // compiles nothing outside its root, and the linked packages live in the workspace.
    const root = commonAncestor(realpathSync(dir), realpathSync(PKG))
    const config = `import type { NextConfig } from 'next'

const config: NextConfig = {
  serverExternalPackages: ['@electric-sql/pglite'],
  turbopack: { root: ${JSON.stringify(root)} },
}
export default config
`
    for (const [file, text] of Object.entries({ ...FILES, 'next.config.ts': config })) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), text)
    }
    for (const [name, from] of [
      ['@pgstore/core', CORE],
      ['@pgstore/next', PKG],
    ] as const) {
      const to = join(dir, 'node_modules', name)
      cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true })
      cpSync(join(from, 'package.json'), join(to, 'package.json'))
    }
    for (const name of LINKED) link(dir, name, PKG)
    for (const name of ROOT_LINKED) link(dir, name, join(PKG, '../..'))
  })
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NEXT_TELEMETRY_DISABLED: '1',
  })

  it('passes strict tsc', () => {
    const tsc = spawnSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', dir], {
      cwd: dir,
      env: env(),
      encoding: 'utf8',
    })
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
  })

  it('passes next build with no SESSION_SECRETS and no DATABASE_URL', () => {
    const build = spawnSync(process.execPath, [join(dir, 'node_modules/next/dist/bin/next'), 'build'], {
      cwd: dir,
      env: env(),
      encoding: 'utf8',
      timeout: 170_000,
    })
    const output = build.stdout + build.stderr
    expect(output, output).not.toMatch(/INVALID_OPTIONS|secrets is not set|reading 'split'/)
    expect(build.status, output).toBe(0)
  }, 180_000)
})
