/**
 * The statements off the hot path: listings, counts and deletions by user, by digest or of everything.
 * They are built per call with Drizzle. Each deletion announces the rows it removed from its own statement
 * (`pg_notify` in RETURNING), cache or not, so no cached instance can miss a revocation that committed.
 */
import { and, count, desc, eq, gt, inArray, sql } from 'drizzle-orm'
import { EVERYTHING, noticePrefix, type WriteNotice } from '../cache/protocol'
import type { SessionTable } from '../schema'
import { type AnyPgDatabase, rowsOf } from './database'

/** A live row as stored: data is the stored text (maybe sealed), times are Dates. */
export interface StoredEntry {
  digest: string
  data: string
  userId: string | null
  createdAt: Date
  updatedAt: Date
  expiresAt: Date
  /** As stored: cleaned by the row codec before it is handed out. */
  meta: unknown
}

/** The statements of one table, announcing deletions on `notice`. */
export class AdminStatements {
  constructor(
    readonly db: AnyPgDatabase,
    readonly table: SessionTable,
    readonly notice: WriteNotice,
  ) {}

  /** Digests of every live session. */
  async ids(): Promise<string[]> {
    const t = this.table
    const rows = await this.db.select({ id: t.id }).from(t).where(live(t))
    return rows.map((r) => r.id)
  }

  async count(): Promise<number> {
    const t = this.table
    const [row] = await this.db.select({ n: count() }).from(t).where(live(t))
    return Number(row?.n ?? 0)
  }

  /** Live rows, of one user or of all, newest first. */
  entries(userId: string | undefined): Promise<StoredEntry[]> {
    const t = this.table
    return this.db
      .select({
        digest: t.id,
        data: sql<string>`${t.data}::text`,
        userId: t.userId,
        createdAt: t.createdAt,
        updatedAt: t.updatedAt,
        expiresAt: t.expiresAt,
        meta: t.meta,
      })
      .from(t)
      .where(userId === undefined ? live(t) : sql`${t.userId} = ${userId} and ${live(t)}`)
      .orderBy(sql`${t.updatedAt} desc`)
  }

  /** Deletes every row; returns how many went. */
  async clear(): Promise<number> {
    const t = this.table
    const { channel, instance } = this.notice
    const result = await this.db.execute(
      sql`with gone as (delete from ${t} returning 1) select (select count(*) from gone)::int as n, pg_notify(${channel}, ${`${noticePrefix(instance)}${EVERYTHING}`})`,
    )
    return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0)
  }

  /** Deletes the user's rows except the digests in `keep`; returns the digests removed. */
  async destroyByUser(userId: string, keep: readonly string[]): Promise<string[]> {
    const t = this.table
    const where =
      keep.length > 0
        ? sql`${t.userId} = ${userId} and ${t.id} not in (${sql.join(
            keep.map((k) => sql`${k}`),
            sql`, `,
          )})`
        : eq(t.userId, userId)
    const rows = await this.db.delete(t).where(where).returning({ id: t.id, n: this.#announce() })
    return rows.map((r) => r.id)
  }

  /**
   * Deletes the user's live rows beyond the `keep` newest (by `created_at`, then digest, so concurrent
   * calls agree on which stay); returns the digests removed. An index lookup on `user_id`.
   */
  async trimUser(userId: string, keep: number): Promise<string[]> {
    const t = this.table
    const beyond = this.db
      .select({ id: t.id })
      .from(t)
      .where(and(eq(t.userId, userId), live(t)))
      .orderBy(desc(t.createdAt), desc(t.id))
      .offset(keep)
    const rows = await this.db
      .delete(t)
      .where(and(eq(t.userId, userId), inArray(t.id, beyond)))
      .returning({ id: t.id, n: this.#announce() })
    return rows.map((r) => r.id)
  }

  /** Deletes one row by digest, only if it belongs to `userId` when given; true when one went. */
  async destroyByDigest(digest: string, userId: string | undefined): Promise<boolean> {
    const t = this.table
    const where =
      userId === undefined ? eq(t.id, digest) : sql`${t.id} = ${digest} and ${t.userId} = ${userId}`
    const rows = await this.db.delete(t).where(where).returning({ n: this.#announce() })
    return rows.length > 0
  }

  /** A RETURNING column that announces the deleted row. */
  #announce() {
    const { channel, instance } = this.notice
    return sql<string>`pg_notify(${channel}, ${noticePrefix(instance)} || ${this.table.id})`
  }
}

const live = (t: SessionTable) => gt(t.expiresAt, sql`now()`)
