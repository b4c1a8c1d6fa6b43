/**
 * Configuration mistakes are INVALID_OPTIONS with a message that says what to do: at construction when the
 * options alone show it (a malformed URL, a db that is not a Drizzle database, an unset key or secret), on
 * first use when only the server can tell (no such database, role or password). Neither reads as an outage:
 * no `disconnect`, the store stays healthy, and no message promises a retry.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { PGlite } from '@electric-sql/pglite'
import { isPgStoreError, newSessionId, PgStore, type PgStoreError, type PgStoreOptions } from '@pgstore/core'
import { createRequestSessions } from '@pgstore/core/web'
import { DATABASE_URL, freshName, useTestDatabase } from '@pgstore/testing'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { withReplicas } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveDatabase } from '../src/store/connection'

const run = promisify(execFile)
const KEY = 'an-encryption-key-of-at-least-32-chars'
const SECRET = 'a-signing-secret-of-at-least-32-characters'

/** The INVALID_OPTIONS error `make` throws; fails the test when it throws anything else or nothing. */
function thrown(make: () => unknown): PgStoreError {
  let error: unknown
  try {
    make()
  } catch (err) {
    error = err
  }
  expect(isPgStoreError(error, 'INVALID_OPTIONS'), String(error)).toBe(true)
  return error as PgStoreError
}

/** A URL like DATABASE_URL with another database or user. */
function urlWith(change: { database?: string; user?: string; password?: string; port?: number }): string {
  const url = new URL(DATABASE_URL)
  if (change.database) url.pathname = `/${change.database}`
  if (change.user) url.username = change.user
  if (change.password) url.password = change.password
  if (change.port) url.port = String(change.port)
  return url.toString()
}

/**
 * The first call of a store the server refuses: INVALID_OPTIONS, no `disconnect`, still healthy, and the
 * next call refused the same way (nothing was cached of the failed attempt).
 */
async function refusedOnFirstUse(options: PgStoreOptions): Promise<PgStoreError> {
  const store = new PgStore({ ...options, prune: false, connectTimeout: 5_000 })
  const disconnects: PgStoreError[] = []
  store.on('disconnect', (e) => disconnects.push(e))
  try {
    const err = (await store.get(newSessionId()).catch((e: unknown) => e)) as PgStoreError
    expect(isPgStoreError(err, 'INVALID_OPTIONS'), String(err)).toBe(true)
    expect(err.status).toBe(500)
    expect(err.message).not.toMatch(/retried/)
    const again = await store.set(newSessionId(), { n: 1 }).catch((e: unknown) => e)
    expect(isPgStoreError(again, 'INVALID_OPTIONS')).toBe(true)
    expect(disconnects).toEqual([])
    expect(store.healthy).toBe(true)
    return err
  } finally {
    await store.close()
  }
}

describe('a connection string', () => {
  it.each([
    ['not a url'],
    ['localhost'],
    ['host=localhost dbname=shop'],
    ['http://localhost/shop'],
    ['postgres://app:pw@localhost:notaport/shop'],
    [''],
  ])('%j is refused at construction, without quoting it', (connectionString) => {
    const err = thrown(() => new PgStore({ connectionString }))
    expect(err.message).toContain('postgres://user:password@host:5432/database')
    if (connectionString) expect(err.message).not.toContain(connectionString)
  })

  it.each([
    ['postgres://postgres@127.0.0.1:5432/test'],
    ['postgresql://app:p%40ss@db.internal/shop?sslmode=require'],
    ['postgres://app:pass word@db/shop'],
    ['postgres://app@/shop?host=/var/run/postgresql'],
    ['socket:/var/run/postgresql?db=shop'],
    ['/var/run/postgresql shop'],
  ])('%j is accepted', async (connectionString) => {
    const store = new PgStore({ connectionString, prune: false })
    await store.close()
    expect(store.healthy).toBe(true)
  })

  it('with no source at all says which options and the likely cause', () => {
    const err = thrown(() => new PgStore({ connectionString: process.env.PGSTORE_UNSET_URL }))
    expect(err.message).toMatch(/db, pool or connectionString.*DATABASE_URL/)
  })
})

describe('a database the server refuses, on real PostgreSQL', () => {
  it('an unknown database is INVALID_OPTIONS naming it, on first use', async () => {
    const database = freshName('pgstore_nodb')
    const err = await refusedOnFirstUse({ connectionString: urlWith({ database }) })
    expect(err.message).toContain(`database "${database}" does not exist`)
    expect(err.message).toContain('createdb')
    expect(err.cause?.sqlstate).toBe('3D000')
  })

  it('the same through a db made by drizzle(url) and through a pool', async () => {
    const url = urlWith({ database: freshName('pgstore_nodb') })
    const db = drizzlePg(url)
    const viaDb = await refusedOnFirstUse({ db })
    expect(viaDb.cause?.sqlstate).toBe('3D000')
    await db.$client.end()
    const pool = new pg.Pool({ connectionString: url })
    const viaPool = await refusedOnFirstUse({ pool })
    expect(viaPool.cause?.sqlstate).toBe('3D000')
    await pool.end()
  })

  it('an unknown role is INVALID_OPTIONS naming it, on first use', async () => {
    const user = freshName('pgstore_norole')
    const err = await refusedOnFirstUse({ connectionString: urlWith({ user }) })
    expect(err.message).toContain(`role "${user}" does not exist`)
    expect(err.cause?.sqlstate).toBe('28000')
  })

  describe('a wrong password', () => {
    let server: PasswordServer
    beforeAll(async () => {
      server = await startPasswordServer('the-right-password')
    })
    afterAll(async () => {
      await server?.stop()
    })

    it('is INVALID_OPTIONS on first use, and the password is in no message', async () => {
      const err = await refusedOnFirstUse({
        connectionString: urlWith({ port: server.port, database: 'postgres', password: 'a-wrong-password' }),
      })
      expect(err.message).toContain('password authentication failed for user "postgres"')
      expect(err.cause?.sqlstate).toBe('28P01')
      for (const text of [err.message, String(err.stack), err.cause?.message]) {
        expect(text).not.toContain('a-wrong-password')
      }
      // The right password works on the same server: the refusal was the password's, not the server's.
      const store = new PgStore({
        connectionString: urlWith({
          port: server.port,
          database: 'postgres',
          password: 'the-right-password',
        }),
        createTable: true,
        prune: false,
      })
      expect(await store.length()).toBe(0)
      await store.close()
    })
  })
})

describe('the pg package missing', () => {
  let app: string
  let load: (specifier: string) => Promise<unknown>
  beforeAll(async () => {
    // An app whose node_modules has no pg. The loader is a package in it, so Node itself (not vitest)
    // imports it, and its import() resolves from there the way core's ESM build resolves pg in such an app.
    app = await mkdtemp(join(tmpdir(), 'pgstore-no-pg-'))
    const loader = join(app, 'node_modules', 'loader')
    await mkdir(loader, { recursive: true })
    await writeFile(
      join(loader, 'package.json'),
      '{ "name": "loader", "type": "module", "main": "index.js" }',
    )
    await writeFile(join(loader, 'index.js'), 'export default (specifier) => import(specifier)\n')
    ;({ default: load } = await import(pathToFileURL(join(loader, 'index.js')).href))
  })
  afterAll(async () => {
    await rm(app, { recursive: true, force: true })
  })

  it('is INVALID_OPTIONS saying to install pg, for a connection string and a pool', async () => {
    const missing = await load('pg').catch((e: unknown) => e)
    expect(missing).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' })
    for (const source of [{ connectionString: DATABASE_URL }, { pool: new pg.Pool() }]) {
      const err = await resolveDatabase(source, () => undefined, load).catch((e: unknown) => e)
      expect(isPgStoreError(err, 'INVALID_OPTIONS'), String(err)).toBe(true)
      expect((err as PgStoreError).message).toContain('npm install pg')
      expect((err as PgStoreError).cause?.code).toBe('ERR_MODULE_NOT_FOUND')
    }
  })

  it('a db needs no pg at all', async () => {
    const client = new PGlite()
    const db = drizzlePglite({ client })
    expect((await resolveDatabase({ db }, () => undefined, load)).db).toBe(db)
    await client.close()
  })
})

describe('a db that is not a Drizzle PostgreSQL database', () => {
  it.each([
    ['drizzle(undefined)', () => drizzlePg(undefined as never), /without a client.*DATABASE_URL/],
    ['a plain object', () => ({}), /not a Drizzle PostgreSQL database \(got an object\)/],
    ['a pg.Pool', () => new pg.Pool(), /not a Drizzle PostgreSQL database \(got a BoundPool\)/],
    ['a string', () => DATABASE_URL, /got string/],
    ['null', () => null, /got null/],
  ])('%s is refused at construction', (_name, make, message) => {
    const err = thrown(() => new PgStore({ db: make() as never }))
    expect(err.message).toMatch(message)
    expect(err.message).toContain('drizzle-orm/node-postgres')
  })

  it('a pool that is not a pg.Pool is refused at construction', () => {
    expect(thrown(() => new PgStore({ pool: drizzlePg(DATABASE_URL) as never })).message).toContain(
      'pool is not a pg.Pool',
    )
  })

  describe('real databases are accepted', () => {
    const db = useTestDatabase('pg', { createTable: true })
    const lite = useTestDatabase('pglite', { createTable: true })

    it.each([
      ['node-postgres', () => db.db, () => db.table],
      ['withReplicas', () => withReplicas(db.db as never, [db.db as never]), () => db.table],
      ['PGlite', () => lite.db, () => lite.table],
    ])('%s', async (_name, make, table) => {
      const store = new PgStore({ db: make() as never, table: table(), prune: false })
      expect(await store.length()).toBe(0)
      await store.close()
    })
  })
})

describe('a rotation list with an unset entry', () => {
  describe.each(['pg', 'pglite'] as const)('%s', (kind) => {
    const db = useTestDatabase(kind, { createTable: true })

    it.each([
      [[process.env.PGSTORE_UNSET_KEY, KEY], 'encryption.keys[0] is not set'],
      [[KEY, undefined], 'encryption.keys[1] is not set'],
      [[KEY, ''], 'encryption.keys[1] is not set'],
      [[KEY, 42], 'encryption.keys[1] is a number'],
    ])('encryption keys %j are refused at construction', (keys, message) => {
      const err = thrown(
        () => new PgStore({ db: db.db, table: db.table, encryption: { keys: keys as string[] } }),
      )
      expect(err.message).toContain(message)
      expect(err.message).not.toContain(KEY)
    })

    it('signing secrets with an unset entry are refused, naming it', () => {
      const store = new PgStore({ db: db.db, table: db.table, prune: false })
      for (const [secrets, message] of [
        [[SECRET, process.env.PGSTORE_UNSET_SECRET], 'secrets[1] is not set'],
        [[undefined, SECRET], 'secrets[0] is not set'],
        [[SECRET, 'short'], 'secrets[1] is not a string of at least 32 characters'],
      ] as const) {
        const err = thrown(() => createRequestSessions({ store, secrets: secrets as unknown as string[] }))
        expect(err.message).toContain(message)
        expect(err.message).not.toContain(SECRET)
      }
    })

    it('a full list works', async () => {
      const store = new PgStore({ db: db.db, table: db.table, prune: false, encryption: { keys: [KEY] } })
      const sid = newSessionId()
      await store.set(sid, { n: 1 })
      expect(await store.get(sid)).toEqual({ n: 1 })
      await store.close()
    })
  })
})

interface PasswordServer {
  port: number
  stop(): Promise<void>
}

/**
 * A PostgreSQL server of this test's own, with scram-sha-256 password auth (the shared one trusts
 * loopback, so it never refuses a password): initdb in a temporary directory, on a free port, run as the
 * `postgres` user when the tests run as root (PostgreSQL refuses root). Fails loudly when it cannot start.
 */
async function startPasswordServer(password: string): Promise<PasswordServer> {
  const bindir = (await run('pg_config', ['--bindir'])).stdout.trim()
  const dir = await mkdtemp(join(tmpdir(), 'pgstore-auth-'))
  const asServer = async (cmd: string, args: string[]) => {
    const root = process.getuid?.() === 0
    await run(
      root ? 'runuser' : join(bindir, cmd),
      root ? ['-u', 'postgres', '--', join(bindir, cmd), ...args] : args,
    )
  }
  if (process.getuid?.() === 0) await run('chown', ['postgres', dir])
  const pwfile = join(dir, 'pw')
  await writeFile(pwfile, `${password}\n`, { mode: 0o644 })
  const data = join(dir, 'data')
  await asServer('initdb', ['-D', data, '-A', 'scram-sha-256', '-U', 'postgres', `--pwfile=${pwfile}`, '-N'])
  const port = await freePort()
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  await asServer('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'log'), '-w', 'start'])
  return {
    port,
    async stop() {
      await asServer('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined)
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
