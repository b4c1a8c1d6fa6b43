/**
 * `@pgstore/core/testing`: a real PgStore for an app's own tests, on PGlite (PostgreSQL compiled to
 * WebAssembly) in memory: no server, no mocks, the same SQL as production, so a test sees expiry, touch
 * throttling, revocation and size limits exactly as they are. Needs `@electric-sql/pglite` installed (a
 * dev dependency is enough).
 *
 * @example
 * ```ts
 * import { createTestStore } from '@pgstore/core/testing'
 *
 * const { store, db, close } = await createTestStore({ ttl: 60_000 })
 * await store.set('a-session-id', { userId: 'u1' })
 * await store.get('a-session-id') // { userId: 'u1' }
 * await close()                   // the store, then the in-memory database
 * ```
 */
import { PGlite } from '@electric-sql/pglite'
import { drizzle, type PgliteDatabase } from 'drizzle-orm/pglite'
import type { PgStoreOptions } from '../store/options'
import { PgStore } from '../store/pg-store'
import type { SessionData } from '../store/types'

/**
 * Every PgStore option except those that name or size a connection: the database is always a fresh PGlite
 * in memory, and its table is always created.
 */
export type TestStoreOptions<TData extends object = SessionData> = Omit<
  PgStoreOptions<TData>,
  | 'db'
  | 'pool'
  | 'connectionString'
  | 'poolSize'
  | 'connectTimeout'
  | 'statementTimeout'
  | 'listenConnectionString'
  | 'createTable'
>

export interface TestStore<TData extends object = SessionData> {
  /** The store, its table created. */
  store: PgStore<TData>
  /**
   * Drizzle over the same in-memory database: for an app that builds its own store or adapter from a `db`
   * (pass it with the same `table`), for the app's own tables, or to read the session table in a test.
   */
  db: PgliteDatabase
  /** Closes the store, then the database. Call it in `afterEach` or `afterAll`. */
  close(): Promise<void>
}

/**
 * A PgStore on a fresh in-memory PGlite with its table created. Each call is a database of its own, so
 * tests never see each other's sessions. `prune` defaults to `false` (no background timer in a test); call
 * `store.prune()` to test pruning.
 * @throws PgStoreError `INVALID_OPTIONS` for an invalid option, as `new PgStore` does
 */
export async function createTestStore<TData extends object = SessionData>(
  options: TestStoreOptions<TData> = {},
): Promise<TestStore<TData>> {
  const client = await freshDatabase()
  const db = drizzle({ client })
  let store: PgStore<TData>
  try {
    store = new PgStore<TData>({ prune: false, ...options, db, createTable: true })
    // The first call creates the table, so the test's first request meets no DDL.
    await store.length()
  } catch (err) {
    await client.close()
    throw err
  }
  return {
    store,
    db,
    async close() {
      await store.close()
      await client.close()
    },
  }
}

/**
 * A new PGlite starts by running initdb in WebAssembly, seconds each on a busy machine; a clone of one that
 * has started copies its files in a fraction of that. So the first call starts an empty template, kept for
 * the process and never written, and every call gets a clone of it: a database of its own all the same.
 * PGlite before clone() existed gets a new instance per call.
 */
let template: Promise<PGlite> | undefined

async function freshDatabase(): Promise<PGlite> {
  template ??= PGlite.create()
  const base = await template
  return typeof base.clone === 'function' ? ((await base.clone()) as PGlite) : new PGlite()
}
