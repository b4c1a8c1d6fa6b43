/**
 * The row rules every hot statement shares, single-row (hot.ts) or coalesced (batch.ts): what a live and
 * a dead row are, how an upsert meets an existing row, and times as whole epoch ms. The absolute lifetime
 * (from `created_at`) is a constant parameter, not text, so stores with other lifetimes share the
 * statements' names and text.
 */
import { type SQL, sql } from 'drizzle-orm'
import type { SessionTable } from '../schema'

export function rowRules(t: SessionTable, lifetimeMs: number) {
  const lifetime = sql`(${lifetimeMs}::float8 * interval '1 millisecond')`
  const dead = sql`(${t.expiresAt} <= now() or ${t.createdAt} <= now() - ${lifetime})`
  // Times come back as whole epoch ms (float8), which every driver hands over as a number: no date parsing.
  const epoch = (column: SQL | SessionTable['expiresAt'] | SessionTable['updatedAt']) =>
    sql<number>`floor(extract(epoch from ${column}) * 1000)::float8`
  return {
    lifetime,
    live: sql`${t.expiresAt} > now() and ${t.createdAt} > now() - ${lifetime}`,
    dead,
    epoch,
    /** The stored expiry a read hands out: the row's, or the end of its absolute lifetime when sooner. */
    readExpiry: epoch(sql`least(${t.expiresAt}, ${t.createdAt} + ${lifetime})`),
    /** An expiry asked for (`expiry`), cut to the end of an existing row's absolute lifetime. */
    cappedExpiry: (expiry: SQL) => sql`least(${expiry}, ${t.createdAt} + ${lifetime})`,
    /** An upsert's assignments on conflict: a dead row that was not pruned yet is a new session. */
    upsertSet: {
      data: sql`excluded.data`,
      userId: sql`excluded.user_id`,
      updatedAt: sql`now()`,
      expiresAt: sql`case when ${dead} then excluded.expires_at else least(excluded.expires_at, ${t.createdAt} + ${lifetime}) end`,
      createdAt: sql`case when ${dead} then now() else ${t.createdAt} end`,
      meta: sql`case when ${dead} then excluded.meta else coalesce(excluded.meta, ${t.meta}) end`,
    },
    /** An insert's assignments on conflict, applied to a dead row only. */
    replaceDead: {
      data: sql`excluded.data`,
      userId: sql`excluded.user_id`,
      updatedAt: sql`now()`,
      expiresAt: sql`excluded.expires_at`,
      createdAt: sql`now()`,
      meta: sql`excluded.meta`,
    },
  }
}
