/**
 * The README's drizzle-kit recipes, run as written: each `// src/db/schema.ts` block of packages/core/README.md
 * (the default table, another name, another schema) with its `// drizzle.config.ts` block, copied into a
 * directory of this package (so `@pgstore/core` resolves to the built package, as an install would give it),
 * then `drizzle-kit push` against a database made for the recipe and dropped after it. The pushed table must
 * have pgstore's columns and indexes, and a PgStore must work on it.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { newSessionId, PgStore, pgSessionTable } from '@pgstore/core'
import { assertPostgresReachable, DATABASE_URL, freshName } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const packageDir = fileURLToPath(new URL('..', import.meta.url))
const drizzleKit = join(packageDir, 'node_modules/.bin/drizzle-kit')

/** The README's ts blocks whose first line is `// <file>...`, keyed by that first line. */
function readmeBlocks(file: string): { title: string; code: string }[] {
  const readme = readFileSync(join(packageDir, 'README.md'), 'utf8')
  return [...readme.matchAll(/^```ts\n(\/\/ ([^\n]+))\n([\s\S]*?)^```$/gm)]
    .filter((m) => m[2]!.startsWith(file))
    .map((m) => ({ title: m[2]!, code: `${m[1]}\n${m[3]}` }))
}

const schemas = readmeBlocks('src/db/schema.ts')
const [config] = readmeBlocks('drizzle.config.ts')

/** What each recipe must create: the table, its schema, and how a PgStore names it. */
const RECIPES = [
  { schema: 'public', table: 'http_sessions', pgTable: () => pgSessionTable() },
  { schema: 'public', table: 'app_sessions', pgTable: () => pgSessionTable('app_sessions') },
  {
    schema: 'auth',
    table: 'app_sessions',
    pgTable: () => pgSessionTable('app_sessions', { schema: 'auth' }),
  },
]

const COLUMNS = [
  { column_name: 'created_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
  { column_name: 'data', data_type: 'jsonb', is_nullable: 'NO' },
  { column_name: 'expires_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
  { column_name: 'id', data_type: 'text', is_nullable: 'NO' },
  { column_name: 'meta', data_type: 'jsonb', is_nullable: 'YES' },
  { column_name: 'updated_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
  { column_name: 'user_id', data_type: 'text', is_nullable: 'YES' },
]

function databaseUrl(name: string): string {
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  return url.toString()
}

describe('the README drizzle-kit recipes, on a fresh PostgreSQL database each', () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  let workDir: string

  beforeAll(async () => {
    await assertPostgresReachable()
    if (!existsSync(join(packageDir, 'dist/index.cjs')))
      throw new Error('@pgstore/core is not built: the recipes import the package; run `pnpm build` first')
    await admin.connect()
    workDir = mkdtempSync(join(packageDir, '.drizzle-kit-'))
  })
  afterAll(async () => {
    await admin.end()
    if (workDir) rmSync(workDir, { recursive: true, force: true })
  })

  it('the README has the three schema recipes and one drizzle.config.ts', () => {
    expect(schemas.map((s) => s.title)).toEqual([
      'src/db/schema.ts: http_sessions, on the search_path (usually public)',
      'src/db/schema.ts: app_sessions, on the search_path',
      'src/db/schema.ts: auth.app_sessions',
    ])
    expect(config?.code).toContain('schemaFilter')
  })

  RECIPES.forEach((recipe, i) => {
    it(`drizzle-kit push creates ${recipe.schema}.${recipe.table} and a PgStore works on it`, async () => {
      const dir = join(workDir, `recipe-${i}`)
      mkdirSync(join(dir, 'src/db'), { recursive: true })
      writeFileSync(join(dir, 'src/db/schema.ts'), schemas[i]!.code)
      writeFileSync(join(dir, 'drizzle.config.ts'), config!.code)
      const database = freshName('pgstore_dk')
      await admin.query(`create database ${database}`)
      const pool = new pg.Pool({ connectionString: databaseUrl(database), max: 2 })
      try {
        // The README's command, as written: on an empty database drizzle-kit has nothing to ask.
        await run(drizzleKit, ['push'], {
          cwd: dir,
          env: { ...process.env, DATABASE_URL: databaseUrl(database) },
          timeout: 120_000,
        })
        const columns = await pool.query(
          `select column_name, data_type, is_nullable from information_schema.columns
           where table_schema = $1 and table_name = $2 order by column_name`,
          [recipe.schema, recipe.table],
        )
        expect(columns.rows).toEqual(COLUMNS)
        const indexes = await pool.query<{ indexdef: string }>(
          'select indexdef from pg_indexes where schemaname = $1 and tablename = $2 order by indexdef',
          [recipe.schema, recipe.table],
        )
        const defs = indexes.rows.map((r) => r.indexdef)
        expect(defs).toHaveLength(3)
        expect(defs.some((d) => /UNIQUE INDEX .* USING btree \(id\)/.test(d))).toBe(true)
        expect(defs.some((d) => /USING btree \(expires_at\)/.test(d))).toBe(true)
        expect(defs.some((d) => /USING btree \(user_id\)/.test(d))).toBe(true)

        const store = new PgStore<{ userId: string }>({
          db: drizzle({ client: pool }),
          table: recipe.pgTable(),
          userId: (data) => data.userId,
          prune: false,
        })
        const sid = newSessionId()
        await store.create(sid, { userId: 'u1' })
        expect(await store.get(sid)).toEqual({ userId: 'u1' })
        expect(await store.listByUser('u1')).toHaveLength(1)
        await store.close()
        const rows = await pool.query(`select user_id from "${recipe.schema}"."${recipe.table}"`)
        expect(rows.rows).toEqual([{ user_id: 'u1' }])
      } finally {
        await pool.end()
        await admin.query(`drop database if exists ${database} with (force)`)
      }
    }, 120_000)
  })
})
