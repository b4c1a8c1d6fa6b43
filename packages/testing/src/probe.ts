/**
 * Raw-SQL probes on a store's own table. The qualified name comes from the Drizzle table itself (via
 * getTableConfig), so a probe reads whatever table and schema the store was given, not a hard-coded
 * `http_sessions`; rows are found by `digest(sid)`, computed independently of core.
 *
 * @example
 * ```ts
 * const t = probeTable(db, db.table)
 * expect((await t.row(sid))?.data).toEqual({ n: 1 })
 * expect(await t.count()).toBe(1)
 * ```
 */
import type { SessionTable } from '@pgstore/core'
import { getTableConfig } from 'drizzle-orm/pg-core'
import type { TestDatabase } from './database'
import { digest } from './digest'

export interface SessionRow {
  id: string
  data: Record<string, any>
  expires_at: Date
  updated_at: Date
  user_id: string | null
}

export interface TableProbe {
  /** The table's quoted, schema-qualified name, for raw SQL: `"schema"."table"`. */
  name: string
  /** The row stored for `sid`, or undefined. */
  row(sid: string): Promise<SessionRow | undefined>
  /** How many rows the table holds. */
  count(): Promise<number>
}

export function qualifiedName(table: SessionTable): string {
  const config = getTableConfig(table)
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`
  return config.schema ? `${quote(config.schema)}.${quote(config.name)}` : quote(config.name)
}

export function probeTable(db: Pick<TestDatabase, 'query'>, table: SessionTable): TableProbe {
  const name = qualifiedName(table)
  return {
    name,
    async row(sid) {
      const rows = await db.query<SessionRow>(
        `select id, data, expires_at, updated_at, user_id from ${name} where id = $1`,
        [digest(sid)],
      )
      return rows[0]
    },
    async count() {
      const [r] = await db.query<{ n: string }>(`select count(*) as n from ${name}`)
      return Number(r!.n)
    },
  }
}
