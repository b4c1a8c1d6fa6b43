/**
 * The hot-path statements, built once per store and prepared under names unique to the table: each is one
 * single-row lookup or write by primary key, one round trip. With the read cache on, each write also
 * notifies the table's channel from its RETURNING clause, still in that one statement.
 */
import { createHash } from 'node:crypto'
import { and, eq, gt, sql } from 'drizzle-orm'
import type { AnyPgDatabase } from './db'
import type { SessionTable } from './schema'

const ph = sql.placeholder

export interface StoredRow {
  data: string
  expiresAt: Date
  updatedAt: Date
}

export interface HotQueries {
  get(id: string): Promise<StoredRow | undefined>
  upsert(id: string, data: string, userId: string | null, expiresAt: string): Promise<void>
  /** False when no live row was there to touch. */
  touch(id: string, expiresAt: string): Promise<boolean>
  destroy(id: string): Promise<void>
}

/** Where cached stores announce their writes: `payload` is `<instance>:<digest>`. */
export interface WriteNotice {
  channel: string
  instance: string
}

/** A short tag of the qualified table name, for statement and channel names. */
export function tableTag(qualifiedName: string): string {
  return createHash('sha256').update(qualifiedName).digest('hex').slice(0, 10)
}

/** The LISTEN/NOTIFY channel of a table. */
export function cacheChannel(qualifiedName: string): string {
  return `pgstore_${tableTag(qualifiedName)}`
}

/** A RETURNING column that notifies the write of row `id`, or just the id when there is no cache. */
export function notifyColumn(t: SessionTable, notice: WriteNotice | undefined) {
  return notice
    ? sql<string>`pg_notify(${notice.channel}, ${`${notice.instance}:`} || ${t.id})`
    : sql<string>`${t.id}`
}

export function prepareHotQueries(
  db: AnyPgDatabase,
  t: SessionTable,
  qualifiedName: string,
  notice?: WriteNotice,
): HotQueries {
  const tag = tableTag(qualifiedName)
  // Notifying statements differ in text, so they need names of their own.
  const name = (op: string) => `pgstore_${op}${notice ? 'n' : ''}_${tag}`
  const notify = { n: notifyColumn(t, notice) }
  const live = gt(t.expiresAt, sql`now()`)

  const get = db
    .select({ data: sql<string>`${t.data}::text`, expiresAt: t.expiresAt, updatedAt: t.updatedAt })
    .from(t)
    .where(and(eq(t.id, ph('id')), live))
    .prepare(name('get'))

  // Parameters go in as text and are cast in SQL, so every driver sends them untouched (a driver that
  // knows the column is jsonb would otherwise encode the JSON string a second time).
  const upsert = db
    .insert(t)
    .values({
      id: ph('id') as never,
      data: sql`${ph('data')}::text::jsonb`,
      userId: ph('userId') as never,
      expiresAt: sql`${ph('expiresAt')}::text::timestamptz`,
    })
    .onConflictDoUpdate({
      target: t.id,
      set: {
        data: sql`excluded.data`,
        userId: sql`excluded.user_id`,
        updatedAt: sql`now()`,
        expiresAt: sql`excluded.expires_at`,
        // A dead row that was not pruned yet is a new session, not a continuation of the old one.
        createdAt: sql`case when ${t.expiresAt} <= now() then now() else ${t.createdAt} end`,
      },
    })
    .returning(notify)
    .prepare(name('set'))

  const touch = db
    .update(t)
    .set({ expiresAt: sql`${ph('expiresAt')}::text::timestamptz`, updatedAt: sql`now()` })
    .where(and(eq(t.id, ph('id')), live))
    .returning(notify)
    .prepare(name('touch'))

  const destroy = db
    .delete(t)
    .where(eq(t.id, ph('id')))
    .returning(notify)
    .prepare(name('destroy'))

  return {
    async get(id) {
      const rows = (await get.execute({ id })) as StoredRow[]
      return rows[0]
    },
    async upsert(id, data, userId, expiresAt) {
      await upsert.execute({ id, data, userId, expiresAt })
    },
    async touch(id, expiresAt) {
      const rows = (await touch.execute({ id, expiresAt })) as unknown[]
      return rows.length > 0
    },
    async destroy(id) {
      await destroy.execute({ id })
    },
  }
}
