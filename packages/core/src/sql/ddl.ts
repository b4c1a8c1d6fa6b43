/**
 * `createTable: true`. The DDL is what `drizzle-kit push` emits for {@link pgSessionTable}, so a table made
 * either way is the same table (a test runs both and compares).
 *
 * Safe for many processes starting at once: the existence check comes first (so a role without CREATE works
 * when the table is there), then the statements run under a transaction-scoped advisory lock, since
 * concurrent `CREATE TABLE IF NOT EXISTS` can still fail on the catalog's unique index.
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
  "expires_at" timestamp with time zone NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS ${q(`${table.name}_expires_at_idx`)} ON ${t} USING btree ("expires_at")`,
    `CREATE INDEX IF NOT EXISTS ${q(`${table.name}_user_id_idx`)} ON ${t} USING btree ("user_id")`,
  ]
}

async function tableExists(db: AnyPgDatabase, table: TableName): Promise<boolean> {
  const rows = rowsOf<{ ok: boolean }>(
    await db.execute(sql`select to_regclass(${qualified(table)}) is not null as ok`),
  )
  return rows[0]?.ok === true
}

export async function ensureTable(db: AnyPgDatabase, table: TableName): Promise<void> {
  if (await tableExists(db, table)) return
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`pgstore:ddl:${qualified(table)}`}))`)
    for (const statement of createTableStatements(table)) await tx.execute(sql.raw(statement))
  })
}
