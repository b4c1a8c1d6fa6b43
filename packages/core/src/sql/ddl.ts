/**
 * `createTable: true`. The DDL is what `drizzle-kit push` emits for {@link pgSessionTable}, so a table made
 * either way is the same table (a test runs both and compares).
 *
 * Safe for many processes starting at once: the existence check comes first (so a role without CREATE works
 * when the table is there), then the statements run under a transaction-scoped advisory lock, since
 * concurrent `CREATE TABLE IF NOT EXISTS` can still fail on the catalog's unique index. Lock and statements
 * go as one `DO` block, one statement in its own implicit transaction, so no interactive transaction is
 * needed (drizzle's neon-http driver has none) and a pooler in transaction mode keeps it on one connection.
 *
 * A table made before a column was added (`meta`) gets it the same way, under the same lock: the check looks
 * for the column too, so a current table costs one catalog query and takes no lock at all (an
 * `ALTER TABLE`, even one that changes nothing, waits for an exclusive lock on the table).
 */
import { sql } from 'drizzle-orm'
import type { AnyPgDatabase } from './database'
import { rowsOf } from './database'

export interface TableName {
  /** Absent for a table without a schema: its name then resolves through search_path, as Drizzle's queries do. */
  schema?: string
  name: string
}

const q = (ident: string) => `"${ident}"`

export function qualified({ schema, name }: TableName): string {
  return schema ? `${q(schema)}.${q(name)}` : q(name)
}

export function createTableStatements(table: TableName): string[] {
  const t = qualified(table)
  return [
    ...(table.schema ? [`CREATE SCHEMA IF NOT EXISTS ${q(table.schema)}`] : []),
    `CREATE TABLE IF NOT EXISTS ${t} (
  "id" text PRIMARY KEY NOT NULL,
  "data" jsonb NOT NULL,
  "user_id" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "updated_at" timestamp with time zone DEFAULT now() NOT NULL,
  "expires_at" timestamp with time zone NOT NULL,
  "meta" jsonb
)`,
    `CREATE INDEX IF NOT EXISTS ${q(`${table.name}_expires_at_idx`)} ON ${t} USING btree ("expires_at")`,
    `CREATE INDEX IF NOT EXISTS ${q(`${table.name}_user_id_idx`)} ON ${t} USING btree ("user_id")`,
  ]
}

/**
 * The columns added since the first release, for a table created before them: what `drizzle-kit push` adds
 * to such a table too. Each is nullable without a default, so adding it rewrites nothing.
 */
export function upgradeTableStatements(table: TableName): string[] {
  return [`ALTER TABLE ${qualified(table)} ADD COLUMN IF NOT EXISTS "meta" jsonb`]
}

/** The newest column, which a current table has (see {@link upgradeTableStatements}). */
const NEWEST_COLUMN = 'meta'

/** Whether the table exists, and whether it has every column this version uses. */
async function tableState(
  db: AnyPgDatabase,
  table: TableName,
): Promise<{ exists: boolean; current: boolean }> {
  const name = qualified(table)
  const rows = rowsOf<{ table_found: boolean; column_found: boolean }>(
    await db.execute(
      sql`select to_regclass(${name}) is not null as table_found, exists (select 1 from pg_attribute where attrelid = to_regclass(${name}) and attname = ${NEWEST_COLUMN} and not attisdropped) as column_found`,
    ),
  )
  return { exists: rows[0]?.table_found === true, current: rows[0]?.column_found === true }
}

/**
 * The statements and their lock as one `DO` block. A DO block takes no parameters, so the lock key is a
 * literal, built from identifiers that schema.ts admitted (letters, digits, `_`) and quoted all the same;
 * the body is dollar-quoted with a tag the statements never contain.
 */
function lockedBlock(table: TableName, statements: readonly string[]): string {
  const key = `pgstore:ddl:${qualified(table)}`.replaceAll("'", "''")
  const body = [`PERFORM pg_advisory_xact_lock(hashtext('${key}'));`, ...statements.map((s) => `${s};`)]
  return `DO $pgstore_ddl$ BEGIN\n${body.join('\n')}\nEND $pgstore_ddl$`
}

export async function ensureTable(db: AnyPgDatabase, table: TableName): Promise<void> {
  const { exists, current } = await tableState(db, table)
  if (current) return
  const statements = exists ? upgradeTableStatements(table) : createTableStatements(table)
  await db.execute(sql.raw(lockedBlock(table, statements)))
}
