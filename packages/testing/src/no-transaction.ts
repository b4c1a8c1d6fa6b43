/**
 * A real Drizzle database with its interactive transactions taken away, as drizzle's neon-http driver
 * has none: `transaction` throws what neon-http throws, and everything else is the database's own (the
 * same session, client and dialect), so statements still run on the real server.
 *
 * @example
 * ```ts
 * const store = new PgStore({ db: withoutTransactions(db.db), table: db.table, createTable: true })
 * await store.prune() // must not need db.transaction
 * ```
 */
import type { AnyPgDatabase } from '@pgstore/core'

/** The message neon-http's `transaction` throws. */
export const NO_TRANSACTIONS = 'No transactions support in neon-http driver'

export function withoutTransactions<T extends AnyPgDatabase>(db: T): T {
  const bare = Object.create(db) as T
  Object.defineProperty(bare, 'transaction', {
    value: () => Promise.reject(new Error(NO_TRANSACTIONS)),
  })
  return bare
}
