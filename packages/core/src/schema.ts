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
import type { SessionMeta } from './store/types'

/** Options for {@link pgSessionTable}. */
export interface SessionTableOptions {
  /**
   * PostgreSQL schema that holds the table.
   * @default 'public'
   */
  schema?: string
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
/** PostgreSQL truncates names past 63 bytes; a table also names its indexes `<table>_expires_at_idx`. */
const MAX_LENGTH = { schema: 63, table: 63 - '_expires_at_idx'.length }

/**
 * Table and schema names are interpolated into DDL and prepared-statement names, so only plain identifiers
 * are accepted: quotes, spaces and semicolons are refused rather than escaped. A table name is kept short
 * enough that its index names are not truncated (two long names could otherwise share an index name).
 */
export function assertIdentifier(kind: 'schema' | 'table', name: string): void {
  if (typeof name !== 'string' || !IDENTIFIER.test(name) || name.length > MAX_LENGTH[kind]) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: a ${kind} name must be letters, digits and _ (not starting with a digit), at most ${MAX_LENGTH[kind]} characters.`,
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
  /** What the request that created the session said about itself (IP, user agent), for device lists. */
  meta: jsonb('meta').$type<SessionMeta>(),
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

/**
 * The default table, `http_sessions`, unqualified: it resolves through the connection's search_path
 * (usually `public`). Export it from your drizzle-kit schema file.
 */
export const sessions: SessionTable = pgSessionTable()
