/**
 * Migration from connect-pg-simple: copies its live sessions into the pgstore table, hashing each id on the
 * way. express-session's cookie carries the same id before and after, so nobody is logged out.
 *
 * @example
 * ```ts
 * const result = await importConnectPgSimple({ from: 'session', schema: 'public', pool, createTable: true })
 * // { imported: 1234, skipped: 0, expired: 56, failed: 0 }
 * ```
 *
 * Each row goes through PgStore.set, so the target store's rules apply to it as to any write: encryption,
 * `userId`, `maxBytes`. Rows already present in the target (a session re-saved by the new store while both
 * ran) are left alone, so running the import twice is harmless.
 */
import { isPgStoreError, PgStore, type PgStoreOptions } from '@pgstore/core'
import { sql } from 'drizzle-orm'
import type { PgDatabase } from 'drizzle-orm/pg-core'
import type { SessionData } from 'express-session'

export interface ImportConnectPgSimpleOptions extends PgStoreOptions<SessionData> {
  /**
   * connect-pg-simple's table (its `tableName`).
   * @default 'session'
   */
  from?: string
  /**
   * The schema holding that table (its `schemaName`).
   * @default 'public'
   */
  schema?: string
  /**
   * Rows read per query.
   * @default 500
   */
  batchSize?: number
}

export interface ImportResult {
  /** Sessions written to the pgstore table. */
  imported: number
  /** Sessions already in the pgstore table, left as they were. */
  skipped: number
  /** Rows past their expiry, not copied. */
  expired: number
  /** Rows the target store refused (not JSON objects, over `maxBytes`); the import went on without them. */
  failed: number
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
/** Writes in flight at once; below the default pool size so the reads keep a connection. */
const PARALLEL = 8

interface SourceRow {
  sid: string
  sess: string
  expire_ms: number | string
}

type Db = PgDatabase<any, any, any>

async function openSource(
  options: ImportConnectPgSimpleOptions,
): Promise<{ db: Db; end?: () => Promise<void> }> {
  if (options.db) return { db: options.db }
  const { drizzle } = await import('drizzle-orm/node-postgres')
  if (options.pool) return { db: drizzle({ client: options.pool as never }) }
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 1 })
  return { db: drizzle({ client: pool }), end: () => pool.end() }
}

function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? [])
}

/** Copies connect-pg-simple's live sessions into the pgstore table named by `options`. */
export async function importConnectPgSimple(options: ImportConnectPgSimpleOptions): Promise<ImportResult> {
  const { from = 'session', schema = 'public', batchSize = 500, ...storeOptions } = options
  for (const [kind, name] of [
    ['table', from],
    ['schema', schema],
  ] as const) {
    if (!IDENTIFIER.test(name)) {
      throw new TypeError(
        `@pgstore/express: the connect-pg-simple ${kind} name must match ${IDENTIFIER.source}.`,
      )
    }
  }
  const store = new PgStore<SessionData>({ ...storeOptions, prune: false })
  const source = await openSource(options)
  const result: ImportResult = { imported: 0, skipped: 0, expired: 0, failed: 0 }

  const copy = async (row: SourceRow): Promise<void> => {
    const expiresAt = Number(row.expire_ms)
    if (!(expiresAt > Date.now())) {
      result.expired++
      return
    }
    if (await store.getRecord(row.sid)) {
      result.skipped++
      return
    }
    try {
      await store.set(row.sid, JSON.parse(row.sess) as SessionData, { expiresAt })
      result.imported++
    } catch (err) {
      if (!isPgStoreError(err, 'SESSION_TOO_LARGE') && !isPgStoreError(err, 'NOT_SERIALIZABLE')) throw err
      result.failed++
    }
  }

  try {
    let after = ''
    for (;;) {
      // Keyset pagination on the primary key: each batch is an index range, however large the table.
      // `expire` is a timestamp without time zone that connect-pg-simple wrote in the session's TimeZone.
      const rows = rowsOf<SourceRow>(
        await source.db.execute(sql`
          select sid, sess::text as sess, (extract(epoch from expire::timestamptz) * 1000)::float8 as expire_ms
          from ${sql.identifier(schema)}.${sql.identifier(from)}
          where sid > ${after} order by sid limit ${batchSize}`),
      )
      for (let i = 0; i < rows.length; i += PARALLEL) await Promise.all(rows.slice(i, i + PARALLEL).map(copy))
      if (rows.length < batchSize) break
      after = rows[rows.length - 1]!.sid
    }
  } finally {
    await store.close()
    await source.end?.()
  }
  return result
}
