/**
 * What every statement module needs of a Drizzle database: its type, and the rows of `db.execute`, whose
 * shape differs by driver.
 */
import type { PgDatabase } from 'drizzle-orm/pg-core'

/** Any Drizzle PostgreSQL database: node-postgres, PGlite, postgres.js, Neon. */
export type AnyPgDatabase = PgDatabase<any, any, any>

/** Rows from `db.execute`, whose shape differs by driver (`{ rows }` or an array). */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[]
  return ((result as { rows?: T[] }).rows ?? []) as T[]
}
