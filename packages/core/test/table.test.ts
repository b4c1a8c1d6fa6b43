import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { isPgStoreError, newSessionId, PgStore, pgSessionTable } from '@pgstore/core'
import { DATABASE_URL, freshName, type TestDatabase, useTestDatabase } from '@pgstore/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL('..', import.meta.url))

/** Columns and indexes of a table, with the schema and table name taken out, for comparing two tables. */
async function shape(db: TestDatabase, schema: string, table: string) {
  const columns = await db.query(
    `select column_name, data_type, is_nullable, column_default from information_schema.columns
     where table_schema = $1 and table_name = $2 order by column_name`,
    [schema, table],
  )
  const indexes = await db.query<{ indexdef: string }>(
    `select indexdef from pg_indexes where schemaname = $1 and tablename = $2 order by indexname`,
    [schema, table],
  )
  return {
    columns,
    indexes: indexes.map((i) => i.indexdef.replaceAll(schema, 'S').replaceAll(table, 'T')),
  }
}

describe('the table on real PostgreSQL', () => {
  const db = useTestDatabase('pg')

  it('drizzle-kit push creates the table the store uses, identical to createTable’s', async () => {
    const pushedSchema = freshName('pgstore_push')
    const env = {
      ...process.env,
      PGSTORE_PUSH_URL: DATABASE_URL,
      PGSTORE_PUSH_SCHEMA: pushedSchema,
      PGSTORE_PUSH_TABLE: 'app_sessions',
    }
    try {
      await run(
        'pnpm',
        ['exec', 'drizzle-kit', 'push', '--config', 'test/fixtures/drizzle.config.ts', '--force'],
        {
          cwd: packageDir,
          env,
          timeout: 120_000,
        },
      )
      const table = pgSessionTable('app_sessions', { schema: pushedSchema })
      const store = new PgStore({ db: db.db, table, prune: false })
      const sid = newSessionId()
      await store.set(sid, { pushed: true })
      expect(await store.get(sid)).toEqual({ pushed: true })
      await store.close()

      const made = new PgStore({
        db: db.db,
        table: pgSessionTable('app_sessions', { schema: db.schema }),
        createTable: true,
        prune: false,
      })
      await made.length()
      await made.close()
      const [fromPush, fromCreate] = [
        await shape(db, pushedSchema, 'app_sessions'),
        await shape(db, db.schema, 'app_sessions'),
      ]
      expect(fromPush.columns).toHaveLength(7)
      expect(fromPush.indexes).toHaveLength(3)
      expect(fromCreate).toEqual(fromPush)
    } finally {
      await db.query(`drop schema if exists "${pushedSchema}" cascade`)
    }
  }, 120_000)

  it('drizzle-kit push adds the meta column to a table made before it, as createTable does', async () => {
    const pushedSchema = freshName('pgstore_push_old')
    const old = (schema: string) => [
      `create schema if not exists "${schema}"`,
      `CREATE TABLE "${schema}"."app_sessions" (
  "id" text PRIMARY KEY NOT NULL,
  "data" jsonb NOT NULL,
  "user_id" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  "expires_at" timestamp with time zone NOT NULL
)`,
      `CREATE INDEX "app_sessions_expires_at_idx" ON "${schema}"."app_sessions" USING btree ("expires_at")`,
      `CREATE INDEX "app_sessions_user_id_idx" ON "${schema}"."app_sessions" USING btree ("user_id")`,
    ]
    const upgradedSchema = freshName('pgstore_upgrade')
    try {
      for (const statement of [...old(pushedSchema), ...old(upgradedSchema)]) await db.query(statement)
      await db.query(
        `insert into "${pushedSchema}".app_sessions (id, data, expires_at) values ('kept', '{}', now() + interval '1 hour')`,
      )
      const env = {
        ...process.env,
        PGSTORE_PUSH_URL: DATABASE_URL,
        PGSTORE_PUSH_SCHEMA: pushedSchema,
        PGSTORE_PUSH_TABLE: 'app_sessions',
      }
      await run(
        'pnpm',
        ['exec', 'drizzle-kit', 'push', '--config', 'test/fixtures/drizzle.config.ts', '--force'],
        { cwd: packageDir, env, timeout: 120_000 },
      )
      const made = new PgStore({
        db: db.db,
        table: pgSessionTable('app_sessions', { schema: upgradedSchema }),
        createTable: true,
        prune: false,
      })
      await made.length()
      await made.close()
      const [fromPush, fromUpgrade] = [
        await shape(db, pushedSchema, 'app_sessions'),
        await shape(db, upgradedSchema, 'app_sessions'),
      ]
      expect(fromPush.columns).toHaveLength(7)
      expect(fromUpgrade).toEqual(fromPush)
      expect(await db.query(`select id from "${pushedSchema}".app_sessions`)).toEqual([{ id: 'kept' }])
    } finally {
      await db.query(`drop schema if exists "${pushedSchema}" cascade`)
      await db.query(`drop schema if exists "${upgradedSchema}" cascade`)
    }
  }, 120_000)

  it('ten stores creating the table at once all succeed, with one table made', async () => {
    const table = pgSessionTable('race_sessions', { schema: freshName('pgstore_race') })
    const stores = Array.from(
      { length: 10 },
      () => new PgStore({ connectionString: DATABASE_URL, table, createTable: true, prune: false }),
    )
    try {
      const sids = stores.map(() => newSessionId())
      await Promise.all(stores.map((s, i) => s.set(sids[i]!, { i })))
      expect(await stores[0]!.length()).toBe(10)
    } finally {
      await Promise.all(stores.map((s) => s.close()))
      const schema = (await import('drizzle-orm/pg-core')).getTableConfig(table).schema
      await db.query(`drop schema if exists "${schema}" cascade`)
    }
  })

  it('without createTable, a missing table gives TABLE_MISSING saying what to do', async () => {
    const store = new PgStore({
      db: db.db,
      table: pgSessionTable('nope', { schema: db.schema }),
      prune: false,
    })
    const err = await store.get(newSessionId()).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'TABLE_MISSING')).toBe(true)
    expect((err as Error).message).toMatch(/drizzle-kit push.*createTable: true/)
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe('42P01')
    await store.close()
  })

  it('createTable succeeds for a role without CREATE when the table exists', async () => {
    const role = freshName('pgstore_role')
    const table = pgSessionTable('http_sessions', { schema: db.schema })
    const owner = new PgStore({ db: db.db, table, createTable: true, prune: false })
    await owner.length()
    await owner.close()
    await db.query(`create role ${role} login`)
    await db.query(`grant usage on schema "${db.schema}" to ${role}`)
    await db.query(`grant select, insert, update, delete on ${db.sessions} to ${role}`)
    const url = new URL(DATABASE_URL)
    url.username = role
    const limited = new PgStore({ connectionString: url.toString(), table, createTable: true, prune: false })
    try {
      const denied = await new pg.Pool({ connectionString: url.toString() })
      await expect(denied.query(`create table "${db.schema}".should_fail (x int)`)).rejects.toThrow(
        /permission/,
      )
      await denied.end()
      const sid = newSessionId()
      await limited.set(sid, { limited: true })
      expect(await limited.get(sid)).toEqual({ limited: true })
    } finally {
      await limited.close()
      await db.query(`drop owned by ${role}`)
      await db.query(`drop role ${role}`)
    }
  })

  it('the default table, which has no schema, is created and used where search_path points', async () => {
    const store = new PgStore({ connectionString: db.url!, createTable: true, prune: false })
    const sid = newSessionId()
    await store.set(sid, { where: 'search_path' })
    expect(await store.get(sid)).toEqual({ where: 'search_path' })
    await store.close()
    const [row] = await db.query<{ found: string | null }>('select to_regclass($1)::text as found', [
      `${db.sessions}`,
    ])
    expect(row!.found).not.toBeNull()
  })

  it('refuses table and schema names that are not plain identifiers', () => {
    expect(pgSessionTable('t'.repeat(48), { schema: 's'.repeat(63) })).toBeDefined()
    expect(() => pgSessionTable('t'.repeat(49))).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    for (const bad of ['a"b', 'x; drop table y', 'has space', '', '1abc', 'a'.repeat(64)]) {
      expect(() => pgSessionTable(bad)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
      expect(() => pgSessionTable('ok', { schema: bad })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTIONS' }),
      )
    }
  })
})
