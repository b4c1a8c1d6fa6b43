/**
 * What every statement module needs of a Drizzle database: its type, the rows of `db.execute`, whose
 * shape differs by driver, and the primary behind a `withReplicas` database.
 */
import type { PgDatabase } from 'drizzle-orm/pg-core'

/** Any Drizzle PostgreSQL database: node-postgres, PGlite, postgres.js, Neon. */
export type AnyPgDatabase = PgDatabase<any, any, any>

/** Rows from `db.execute`, whose shape differs by driver (`{ rows }` or an array). */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}

/**
 * The database the hot statements run on: the primary of a drizzle `withReplicas(primary, replicas)`
 * database (`$primary`), else `db` itself. withReplicas sends every `select` to a replica, and a session
 * read must see the write just made (a get after a set, a destroy, a touch), which a lagging replica does
 * not; listings, which may lag, keep `db`.
 */
export function primaryOf(db: AnyPgDatabase): AnyPgDatabase {
  const primary = (db as { $primary?: AnyPgDatabase }).$primary
  return primary ?? db
}
