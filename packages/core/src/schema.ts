/**
 * The session table, as a Drizzle schema. Point drizzle-kit at it and `drizzle-kit push` creates it:
 *
 * @example
 * ```ts
 * // drizzle.config.ts
 * export default defineConfig({ dialect: 'postgresql', schema: './src/session-schema.ts', dbCredentials: { url } })
 * // src/session-schema.ts
 * export { sessions } from '@pgstore/core'
 * // or, with another name and schema:
 * export const appSessions = pgSessionTable('app_sessions', { schema: 'auth' })
 * ```
 */
import { type AnyPgColumn, index, jsonb, pgSchema, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import { PgStoreError } from './errors'

/** Options for {@link pgSessionTable}. */
export interface SessionTableOptions {
  /**
   * PostgreSQL schema that holds the table.
   * @default 'public'
   */
  schema?: string
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Table and schema names are interpolated into DDL and prepared-statement names, so only plain identifiers
 * are accepted: quotes, spaces and semicolons are refused rather than escaped.
 */
export function assertIdentifier(kind: string, name: string): void {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: ${kind} name must match ${IDENTIFIER.source} (letters, digits and _, at most 63).`,
    )
  }
}

const columns = () => ({
  /** SHA-256 digest (base64url) of the session id. The id itself is never stored. */
  id: text('id').primaryKey(),
  data: jsonb('data').notNull(),
  userId: text('user_id'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
})

function build(name: string, schema: string | undefined) {
  const extra = (t: { expiresAt: AnyPgColumn; userId: AnyPgColumn }) => [
    index(`${name}_expires_at_idx`).on(t.expiresAt),
    index(`${name}_user_id_idx`).on(t.userId),
  ]
  // drizzle-kit refuses pgSchema('public'), so the default schema goes through pgTable.
  return schema && schema !== 'public'
    ? pgSchema(schema).table(name, columns(), extra)
    : pgTable(name, columns(), extra)
}

/** The Drizzle table type every pgstore API accepts. */
export type SessionTable = ReturnType<typeof build>

/**
 * Defines the session table.
 * @param name table name, @default 'http_sessions'
 */
export function pgSessionTable(name = 'http_sessions', options: SessionTableOptions = {}): SessionTable {
  assertIdentifier('table', name)
  if (options.schema !== undefined) assertIdentifier('schema', options.schema)
  return build(name, options.schema)
}

/** The default table, `public.http_sessions`. Export it from your drizzle-kit schema file. */
export const sessions: SessionTable = pgSessionTable()
