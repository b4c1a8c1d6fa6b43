/**
 * No error pgstore hands out carries the session id, its digest or the session data, on any driver, even
 * when the database itself puts them in its error: a CHECK constraint's DETAIL holds the whole row, a unique
 * index's holds the key, a trigger's RAISE or a failed cast quotes the values in its message, and PGlite and
 * postgres.js keep the statement's parameters on the error they throw (postgres.js as hidden properties).
 * Each error is searched in full: every own property, enumerable or not, down through `cause`, `errors` and
 * any nested object, and what String(), `stack`, util.inspect (showHidden) and JSON.stringify print of it.
 * What pgstore keeps as `cause` still carries the SQLSTATE, so a failure can be diagnosed.
 */
import { inspect } from 'node:util'
import {
  isPgStoreError,
  newSessionId,
  PgStore,
  type PgStoreErrorCode,
  type PgStoreOptions,
} from '@pgstore/core'
import { DATABASE_URL, type DbKind, digest, installSlowTrigger, useTestDatabase } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

type Driver = 'node-postgres' | 'PGlite' | 'postgres.js'
const KIND: Record<Driver, DbKind> = { 'node-postgres': 'pg', PGlite: 'pglite', 'postgres.js': 'pg' }
const DRIVERS = Object.keys(KIND) as Driver[]

/** Where in `root` (property paths, and the printed forms) any of `secrets` appears. */
function leaks(root: unknown, secrets: readonly string[]): string[] {
  const found: string[] = []
  const look = (where: string, text: string) => {
    for (const secret of secrets) if (text.includes(secret)) found.push(`${where} holds ${secret}`)
  }
  const seen = new Set<unknown>()
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
      look(path, String(value))
      return
    }
    if (typeof value === 'symbol') look(path, value.toString())
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value))
      return
    seen.add(value)
    if (ArrayBuffer.isView(value)) {
      look(path, Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'))
    }
    if (value instanceof Map || value instanceof Set) {
      let i = 0
      for (const entry of value) visit(entry, `${path}<entry ${i++}>`)
    }
    for (const key of Reflect.ownKeys(value)) {
      const name = String(key)
      look(`${path} key`, name)
      const property = Object.getOwnPropertyDescriptor(value, key)!
      if ('value' in property) visit(property.value, `${path}.${name}`)
      else if (property.get) {
        try {
          visit(property.get.call(value), `${path}.${name}`)
        } catch {
          // A getter that throws shows nothing.
        }
      }
    }
  }
  visit(root, 'error')
  const err = root as Error
  look('String(error)', String(err))
  look('error.stack', String(err?.stack))
  look('util.inspect(error)', inspect(err, { depth: 10, showHidden: true }))
  look('JSON.stringify(error)', JSON.stringify(err) ?? '')
  for (let cause = err?.cause, depth = 1; cause !== undefined && depth < 10; depth++) {
    look(`String(cause ${depth})`, String(cause))
    look(`JSON.stringify(cause ${depth})`, JSON.stringify(cause) ?? '')
    cause = (cause as Error | undefined)?.cause
  }
  return found
}

/** The cause pgstore keeps: these fields, and nothing else of the driver's error. */
const CAUSE_FIELDS = ['code', 'message', 'name', 'severity', 'sqlstate', 'stack']

function expectSafe(
  err: unknown,
  secrets: readonly string[],
  expected: { code: PgStoreErrorCode; sqlstate?: string; errno?: string },
): void {
  expect(leaks(err, secrets)).toEqual([])
  expect(isPgStoreError(err, expected.code), `expected ${expected.code}, got ${inspect(err)}`).toBe(true)
  const cause = (err as Error).cause as Record<string, unknown>
  expect(cause).toBeInstanceOf(Error)
  expect(Object.getOwnPropertyNames(cause).filter((name) => !CAUSE_FIELDS.includes(name))).toEqual([])
  expect(Object.getOwnPropertySymbols(cause)).toEqual([])
  expect(cause.cause).toBeUndefined()
  expect(cause.code).toBe(expected.sqlstate ?? expected.errno)
  expect(cause.sqlstate).toBe(expected.sqlstate)
}

interface Case {
  title: string
  code: PgStoreErrorCode
  sqlstate: string
  /** Drivers it cannot run on, with the reason. */
  not?: Partial<Record<Driver, string>>
  /** Makes the failure; returns it and any session ids it used beyond `sid`. */
  run(t: CaseContext): Promise<{ err: unknown; sids?: string[] }>
}

interface CaseContext {
  store: PgStore
  sid: string
  marker: string
  /** Moves the session's expiry into the past, in SQL. */
  expire(sid: string): Promise<void>
  /** Another store on the same database and table. */
  open(options: Pick<PgStoreOptions, 'prune'>): PgStore
}

const failure = (work: Promise<unknown>) =>
  work.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  )

const CASES: Case[] = [
  {
    title: 'a CHECK constraint fails on the row (its DETAIL lists the whole row)',
    code: 'QUERY_FAILED',
    sqlstate: '23514',
    run: async ({ store, sid, marker }) => ({ err: await failure(store.set(sid, { reject: true, marker })) }),
  },
  {
    title: 'a unique index on the data refuses a second session (its DETAIL holds the key)',
    code: 'QUERY_FAILED',
    sqlstate: '23505',
    run: async ({ store, sid, marker }) => {
      const first = newSessionId()
      await store.set(first, { unique: marker })
      return { err: await failure(store.set(sid, { unique: marker, marker })), sids: [first] }
    },
  },
  {
    title: 'a trigger RAISEs with the id and the data in its message',
    code: 'QUERY_FAILED',
    sqlstate: 'P0001',
    run: async ({ store, sid, marker }) => ({ err: await failure(store.set(sid, { raise: true, marker })) }),
  },
  {
    title: 'a trigger casts session data to a number (the message quotes the value)',
    code: 'QUERY_FAILED',
    sqlstate: '22P02',
    run: async ({ store, sid, marker }) => ({ err: await failure(store.set(sid, { cast: marker })) }),
  },
  {
    title: 'a delete trigger RAISEs the row with a check_violation code, on destroy',
    code: 'QUERY_FAILED',
    sqlstate: '23514',
    run: async ({ store, sid, marker }) => {
      await store.set(sid, { undeletable: marker })
      return { err: await failure(store.destroy(sid)) }
    },
  },
  {
    title: 'the same trigger fires in prune()',
    code: 'QUERY_FAILED',
    sqlstate: '23514',
    run: async ({ store, sid, marker, expire }) => {
      await store.set(sid, { undeletable: marker })
      await expire(sid)
      return { err: await failure(store.prune()) }
    },
  },
  {
    title: 'the same trigger fires in a background prune, reported as backgroundError',
    code: 'QUERY_FAILED',
    sqlstate: '23514',
    run: async ({ store, sid, marker, expire, open }) => {
      await store.set(sid, { undeletable: marker })
      await expire(sid)
      const background = open({ prune: { interval: 50, jitter: 0 } })
      try {
        const err = await new Promise<unknown>((resolve, reject) => {
          background.once('backgroundError', resolve)
          setTimeout(() => reject(new Error('no backgroundError within 10 s')), 10_000).unref()
        })
        return { err }
      } finally {
        await background.close()
      }
    },
  },
  {
    title: 'a statement timeout cancels a write mid-statement',
    code: 'TIMEOUT',
    sqlstate: '57014',
    not: { PGlite: 'PGlite has no statement_timeout: the statement runs to its end' },
    run: async ({ store, sid, marker }) => ({ err: await failure(store.set(sid, { sleep: 5, marker })) }),
  },
]

describe.each(DRIVERS)('errors carry no session id or data, on %s', (driver) => {
  const db = useTestDatabase(KIND[driver], { createTable: true })
  const stores: PgStore[] = []
  let store: PgStore
  let open: CaseContext['open']
  let end = async () => {}

  beforeAll(async () => {
    let source: Pick<PgStoreOptions, 'db' | 'connectionString' | 'statementTimeout'> = { db: db.db }
    if (driver === 'postgres.js') {
      const client = postgres(DATABASE_URL, {
        max: 4,
        onnotice: () => undefined,
        connection: { statement_timeout: 300 },
      })
      source = { db: drizzle({ client }) }
      end = () => client.end()
    } else if (driver === 'node-postgres') {
      // pgstore's own pool, so that its statementTimeout applies.
      source = { connectionString: DATABASE_URL, statementTimeout: 300 }
    }
    open = (options) => {
      const opened = new PgStore({
        ...source,
        table: db.table,
        prune: false,
        queryTimeout: 5_000,
        ...options,
      })
      stores.push(opened)
      return opened
    }
    store = open({})
    const fn = `"${db.schema}"."refuse"`
    await db.query(`alter table ${db.sessions} add constraint no_reject check (not (data ? 'reject'))`)
    await db.query(`create unique index on ${db.sessions} ((data ->> 'unique'))`)
    await db.query(`
      create function ${fn}() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          if old.data ? 'undeletable' then
            raise exception 'keeping % %', old.id, old.data using errcode = 'check_violation';
          end if;
          return old;
        end if;
        if new.data ? 'raise' then raise exception 'refused % %', new.id, new.data; end if;
        if new.data ? 'cast' then perform (new.data ->> 'cast')::int; end if;
        return new;
      end $$`)
    await db.query(
      `create trigger refuse before insert or update or delete on ${db.sessions}
       for each row execute function ${fn}()`,
    )
    if (driver !== 'PGlite') await installSlowTrigger(db, db.table)
  })

  const expire = async (sid: string) => {
    await db.query(`update ${db.sessions} set expires_at = now() - interval '1 minute' where id = $1`, [
      digest(sid),
    ])
  }

  afterEach(async () => {
    await db.query(`alter table ${db.sessions} disable trigger user`)
    await db.query(`delete from ${db.sessions}`)
    await db.query(`alter table ${db.sessions} enable trigger user`)
  })

  afterAll(async () => {
    for (const s of stores) await s.close()
    await end()
  })

  // A case a driver cannot produce (PGlite has no statement_timeout) is left out of its run, not skipped.
  for (const c of CASES.filter((c) => c.not?.[driver] === undefined)) {
    it(c.title, async () => {
      const sid = newSessionId()
      const marker = `private-${newSessionId()}`
      const { err, sids = [] } = await c.run({ store, sid, marker, expire, open })
      const secrets = [sid, ...sids].flatMap((id) => [id, digest(id)]).concat(marker)
      expectSafe(err, secrets, { code: c.code, sqlstate: c.sqlstate })
      if (c.code === 'QUERY_FAILED') expect((err as Error).message).toContain(`SQLSTATE ${c.sqlstate}`)
    })
  }
})

describe('an unreachable server gives a cause with the errno and nothing else', () => {
  it.each(['node-postgres', 'postgres.js'] as const)('%s', async (driver) => {
    const url = 'postgres://postgres@127.0.0.1:1/none'
    const client = driver === 'postgres.js' ? postgres(url, { max: 1, connect_timeout: 2 }) : undefined
    const store = client
      ? new PgStore({ db: drizzle({ client }), prune: false })
      : new PgStore({ connectionString: url, prune: false, connectTimeout: 2_000 })
    const sid = newSessionId()
    const marker = `private-${newSessionId()}`
    try {
      const err = await failure(store.set(sid, { marker }))
      expectSafe(err, [sid, digest(sid), marker], { code: 'DB_UNAVAILABLE', errno: 'ECONNREFUSED' })
    } finally {
      await store.close()
      await client?.end()
    }
  })
})
