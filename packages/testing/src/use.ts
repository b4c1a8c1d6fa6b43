/**
 * `useTestDatabase(kind)`: the fresh test database of one describe block, opened in its `beforeAll` and
 * dropped in its `afterAll`, instead of the `let db; beforeAll(...); afterAll(...)` every file wrote.
 * Optionally creates the session table once, so every store of the block can start without DDL.
 *
 * @example
 * ```ts
 * describe.each(['pg', 'pglite'] as const)('%s', (kind) => {
 *   const db = useTestDatabase(kind, { createTable: true })
 *   it('stores', async () => {
 *     const store = new PgStore({ db: db.db, table: db.table })
 *     await store.set(sid, { n: 1 })
 *     expect(await db.query(`select 1 from ${db.sessions}`)).toHaveLength(1)
 *   })
 * })
 * ```
 */
import { createTableStatements } from '@pgstore/core'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll } from 'vitest'
import { createTestDatabase, type DbKind, type TestDatabase } from './database'

export interface UseTestDatabaseOptions {
  tableName?: string
  schema?: string
  /** Create the session table in `beforeAll` (default false). */
  createTable?: boolean
}

/**
 * The block's database. Its properties read through to the database opened in `beforeAll`; reading one
 * before then (at collection time, outside a test or hook) throws and says so.
 */
export function useTestDatabase(kind: DbKind, options: UseTestDatabaseOptions = {}): TestDatabase {
  let current: TestDatabase | undefined
  beforeAll(async () => {
    current = await createTestDatabase(kind, options)
    if (options.createTable) {
      const { schema, name } = getTableConfig(current.table)
      for (const statement of createTableStatements({ schema, name })) await current.query(statement)
    }
  })
  afterAll(async () => {
    await current?.close()
    current = undefined
  })
  return new Proxy({} as TestDatabase, {
    get(_target, key) {
      if (!current) {
        throw new Error(
          `useTestDatabase('${kind}'): db.${String(key)} was read outside a test or hook; the database opens in beforeAll.`,
        )
      }
      const value = current[key as keyof TestDatabase]
      return typeof value === 'function' ? value.bind(current) : value
    },
  })
}
