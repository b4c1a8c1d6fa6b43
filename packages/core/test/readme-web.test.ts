/**
 * The README's Bun.serve / Deno.serve block (`// server.ts` under "Request sessions: `@pgstore/core/web`"),
 * served by node:http and driven by Node's own fetch, on PostgreSQL and PGlite. On PostgreSQL it runs as
 * written, with DATABASE_URL pointed at a fresh schema. Two edits, both outside the handler: `export { store }`
 * is appended so the test can close it, and on PGlite the store is built on the test's PGlite database.
 * (scripts/check-docs.mjs type-checks the block as written.)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { PgStore } from '@pgstore/core'
import { createTestDatabase, type DbKind, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SECRET = 'readme-web-secret-0123456789-abcdefghij'
const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
const BLOCK = /```ts\n(\/\/ server\.ts\n[\s\S]*?)```/.exec(README)?.[1]
const STORE_LINE =
  'const store = new PgStore({ connectionString: process.env.DATABASE_URL, createTable: true })'
const DIR = join(__dirname, `.readme-web-${process.pid}`)

type FetchHandler = (request: Request) => Promise<Response>
type Server = { fetch: FetchHandler }
type Module = { default: Server; store: PgStore }
const holder = globalThis as { readmeWebStoreOptions?: object }

/** What a Node server does for a fetch handler: the request in as a `Request`, the `Response` back out. */
function listener(fetchHandler: FetchHandler) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers))
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
    try {
      const response = await fetchHandler(
        new Request(`http://${req.headers.host}${req.url}`, {
          method: req.method,
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
        }),
      )
      const out: Record<string, string | string[]> = { 'set-cookie': response.headers.getSetCookie() }
      response.headers.forEach((value, name) => {
        if (name !== 'set-cookie') out[name] = value
      })
      res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()))
    } catch (err) {
      res.writeHead(500).end((err as { code?: string }).code ?? 'error')
    }
  }
}

beforeAll(() => mkdirSync(DIR, { recursive: true }))
afterAll(() => rmSync(DIR, { recursive: true, force: true }))

describe('the README block', () => {
  it('is there, with the store line this test swaps on PGlite', () => {
    expect(BLOCK).toBeDefined()
    expect(BLOCK).toContain(STORE_LINE)
    expect(BLOCK).toContain('export default {\n  fetch: (request: Request)')
  })
})

describe.each<DbKind>(['pg', 'pglite'])('the README fetch handler on %s, through node:http', (kind) => {
  let db: TestDatabase
  let mod: Module
  let server: ReturnType<typeof createServer>
  let base: string

  beforeAll(async () => {
    db = await createTestDatabase(kind)
    let code = `${BLOCK}\nexport { store }\n`
    if (kind === 'pglite') {
      holder.readmeWebStoreOptions = { db: db.db, table: db.table, createTable: true }
      code = code.replace(STORE_LINE, 'const store = new PgStore((globalThis as any).readmeWebStoreOptions)')
    }
    const file = join(DIR, `server-${kind}.ts`)
    writeFileSync(file, code)
    const env = { DATABASE_URL: process.env.DATABASE_URL, SESSION_SECRET: process.env.SESSION_SECRET }
    process.env.DATABASE_URL = db.url ?? ''
    process.env.SESSION_SECRET = SECRET
    try {
      mod = (await import(file)) as Module
    } finally {
      for (const [name, value] of Object.entries(env))
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
    }
    server = createServer(listener(mod.default.fetch))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    if (server) await new Promise((resolve) => server.close(resolve))
    await mod?.store.close()
    await db?.close()
    delete holder.readmeWebStoreOptions
  })

  /** One client with a cookie jar of one cookie, over Node's fetch. */
  function client() {
    let cookie: string | undefined
    return async (method: 'GET' | 'POST', path: string) => {
      const res = await fetch(base + path, { method, headers: cookie ? { cookie } : {} })
      const line = res.headers.getSetCookie()[0]
      if (line) cookie = /^[^=]+=;/.test(line) ? undefined : line.split(';')[0]
      return { status: res.status, body: (await res.json()) as { user: string | null; views: number }, line }
    }
  }
  const rows = async () => (await db.query(`select 1 from ${db.sessions}`)).length

  it('counts visits in a cookie session stored as a row', async () => {
    const visit = client()
    const first = await visit('GET', '/')
    expect(first).toMatchObject({ status: 200, body: { user: null, views: 1 } })
    expect(first.line).toMatch(/^pgsid=[^;]+; .*HttpOnly.*SameSite=Lax/)
    expect((await visit('GET', '/')).body).toEqual({ user: null, views: 2 })
    // The first request of the run: the table was created for it, and holds this one session.
    expect(await rows()).toBe(1)
  })

  it('logs in with a new session id, which an old cookie does not reach, and logs out', async () => {
    const visit = client()
    const planted = (await visit('GET', '/')).line!.split(';')[0]!
    const login = await visit('POST', '/login?name=ann')
    expect(login.body).toEqual({ user: 'ann', views: 2 })
    expect(login.line!.split(';')[0]).not.toBe(planted)
    const old = await fetch(`${base}/`, { headers: { cookie: planted } })
    expect(await old.json()).toEqual({ user: null, views: 1 })
    expect((await visit('GET', '/')).body).toEqual({ user: 'ann', views: 3 })

    const before = await rows()
    const logout = await visit('POST', '/logout')
    expect(logout.body).toEqual({ user: null, views: 0 })
    expect(logout.line).toMatch(/^pgsid=; .*Max-Age=0/)
    expect(await rows()).toBe(before - 1)
    expect((await visit('GET', '/')).body).toEqual({ user: null, views: 1 })
  })
})
