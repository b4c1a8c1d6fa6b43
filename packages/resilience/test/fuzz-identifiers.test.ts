/**
 * Table and schema names: pgSessionTable and PgStore accept plain identifiers only, so names with quotes,
 * semicolons or spaces are refused before any SQL is built (10,000 cases each), and what is accepted
 * creates exactly the table it names on PostgreSQL.
 */
import { isPgStoreError, newSessionId, PgStore, pgSessionTable, type SessionTable } from '@pgstore/core'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import { pgSchema, pgTable, text } from 'drizzle-orm/pg-core'
import fc from 'fast-check'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hostileString } from '../src/arbitraries'
import { record } from '../src/figures'

const RUNS = 10_000
const SAFE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const EVIL = [
  'x"; drop table victim; --',
  'victim; drop table victim',
  'a b',
  'sessions"',
  '"sessions"',
  "o'brien",
  'x\u0000y',
  'tab\tname',
  'semi;colon',
  'public.sessions',
  '',
  'a'.repeat(64),
]
let db: TestDatabase
const cases: Record<string, number> = {}

beforeAll(async () => {
  db = await createTestDatabase('pg')
  await db.query(`create table "${db.schema}".victim (id int)`)
})

afterAll(async () => {
  record('fuzz-identifiers', cases)
  await db?.close()
})

const names = fc.oneof(
  hostileString(70),
  fc.constantFrom(...EVIL),
  fc.stringMatching(SAFE),
  fc.string({ unit: 'grapheme-ascii', maxLength: 70 }),
)

function outcome(work: () => unknown): 'accepted' | 'refused' | 'untyped' {
  try {
    work()
    return 'accepted'
  } catch (err) {
    return isPgStoreError(err, 'INVALID_OPTIONS') ? 'refused' : 'untyped'
  }
}

it('pgSessionTable accepts a name and schema only when both are plain identifiers', () => {
  fc.assert(
    fc.property(names, fc.option(names, { nil: undefined }), (name, schema) => {
      const result = outcome(() => pgSessionTable(name, schema === undefined ? {} : { schema }))
      const safe = SAFE.test(name) && (schema === undefined || SAFE.test(schema))
      expect(result).toBe(safe ? 'accepted' : 'refused')
    }),
    { numRuns: RUNS },
  )
  cases.pgSessionTable = RUNS
})

it('PgStore refuses a hand-built Drizzle table whose name or schema is not a plain identifier', () => {
  fc.assert(
    fc.property(names, fc.option(names, { nil: undefined }), (name, schema) => {
      const cols = { id: text('id') }
      const table = (schema === undefined ? pgTable(name, cols) : pgSchema(schema).table(name, cols)) as never
      const result = outcome(() => new PgStore({ db: db.db, table: table as SessionTable, prune: false }))
      const safe = SAFE.test(name) && (schema === undefined || schema === 'public' || SAFE.test(schema))
      expect(result).toBe(safe ? 'accepted' : 'refused')
    }),
    { numRuns: RUNS },
  )
  cases.pgStoreTable = RUNS
})

it('hostile names never reach the database; accepted ones create exactly the table they name', async () => {
  for (const name of EVIL) {
    expect(outcome(() => pgSessionTable(name, { schema: db.schema }))).toBe('refused')
    expect(outcome(() => pgSessionTable('ok', { schema: name }))).toBe('refused')
  }
  await fc.assert(
    fc.asyncProperty(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,40}$/), async (name) => {
      const table = pgSessionTable(name, { schema: db.schema })
      const store = new PgStore({ db: db.db, table, createTable: true, prune: false })
      try {
        const sid = newSessionId()
        await store.set(sid, { name })
        expect(await store.get(sid)).toEqual({ name })
        const found = await db.query<{ ok: boolean }>('select to_regclass($1) is not null as ok', [
          `"${db.schema}"."${name}"`,
        ])
        expect(found[0]!.ok).toBe(true)
      } finally {
        await store.close()
      }
    }),
    { numRuns: 40 },
  )
  const victim = await db.query<{ ok: boolean }>('select to_regclass($1) is not null as ok', [
    `"${db.schema}".victim`,
  ])
  expect(victim[0]!.ok).toBe(true)
  cases.databaseNames = 40 + EVIL.length * 2
})
