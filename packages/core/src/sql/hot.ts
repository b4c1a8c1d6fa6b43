/**
 * The hot-path statements, built once per store and prepared under names unique to the table: each is one
 * single-row lookup or write by primary key, one round trip. With the read cache on, the digests written are
 * announced afterwards in batches by one more statement, `notify` (see cache/announcer.ts).
 */
import { and, eq, gt, sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { SessionTable } from '../schema'
import type { AnyPgDatabase } from './database'
import { direct, nodePgClient } from './direct'
import { statementName } from './names'

const ph = sql.placeholder

export interface StoredRow {
  data: string
  /** Epoch ms. */
  expiresAt: number
  /** Epoch ms. */
  updatedAt: number
}

export interface HotQueries {
  get(id: string): Promise<StoredRow | undefined>
  upsert(id: string, data: string, userId: string | null, expiresAt: string): Promise<void>
  /** False when no live row was there to touch. */
  touch(id: string, expiresAt: string): Promise<boolean>
  destroy(id: string): Promise<void>
  /**
   * NOTIFYs each payload on `channel` in one statement, committed asynchronously: a lost notification only
   * costs a cache miss elsewhere, so it never waits for a disk flush.
   */
  notify(channel: string, payloads: readonly string[]): Promise<void>
}

/** Payloads are joined with this to travel as one parameter; it never occurs in one. */
const PAYLOAD_SEPARATOR = ' '

export function prepareHotQueries(db: AnyPgDatabase, t: SessionTable, qualifiedName: string): HotQueries {
  const name = (op: string) => statementName(qualifiedName, op)
  const key = { id: t.id }
  const live = gt(t.expiresAt, sql`now()`)

  // Times come back as whole epoch ms (float8), which every driver hands over as a number: no date parsing.
  const epoch = (column: SessionTable['expiresAt'] | SessionTable['updatedAt']) =>
    sql<number>`floor(extract(epoch from ${column}) * 1000)::float8`
  const get = db
    .select({
      data: sql<string>`${t.data}::text`,
      expiresAt: epoch(t.expiresAt),
      updatedAt: epoch(t.updatedAt),
    })
    .from(t)
    .where(and(eq(t.id, ph('id')), live))

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

  const touch = db
    .update(t)
    .set({ expiresAt: sql`${ph('expiresAt')}::text::timestamptz`, updatedAt: sql`now()` })
    .where(and(eq(t.id, ph('id')), live))
    .returning(key)

  const destroy = db.delete(t).where(eq(t.id, ph('id')))

  // synchronous_commit is set for this statement's own transaction only.
  const notify = (channel: unknown, payloads: unknown) =>
    sql`select set_config('synchronous_commit', 'off', true), (select count(pg_notify(${channel}, p)) from unnest(string_to_array(${payloads}::text, ${PAYLOAD_SEPARATOR})) as p)`

  const pool = nodePgClient(db)
  if (pool) {
    // node-postgres: the statement text Drizzle built, sent straight to the driver as a named statement with
    // array rows. This skips Drizzle's per-call layers (placeholder filling, tracing spans, row mapping),
    // about a quarter of the client CPU of a lookup.
    const getRow = direct(pool, get.toSQL(), name('get'), ['id'])
    const upsertRow = direct(pool, upsert.toSQL(), name('set'), ['id', 'data', 'userId', 'expiresAt'])
    const touchRow = direct(pool, touch.toSQL(), name('touch'), ['id', 'expiresAt'])
    const destroyRow = direct(pool, destroy.toSQL(), name('destroy'), ['id'])
    const notifyQuery = new PgDialect().sqlToQuery(notify(ph('channel'), ph('payloads')))
    const notifyRows = direct(pool, notifyQuery, name('notify'), ['channel', 'payloads'])
    return {
      async get(id) {
        const row = (await getRow([id]))[0] as [string, number, number] | undefined
        return row && { data: row[0], expiresAt: row[1], updatedAt: row[2] }
      },
      async upsert(id, data, userId, expiresAt) {
        await upsertRow([id, data, userId, expiresAt])
      },
      async touch(id, expiresAt) {
        return (await touchRow([id, expiresAt])).length > 0
      },
      async destroy(id) {
        await destroyRow([id])
      },
      async notify(channel, payloads) {
        await notifyRows([channel, payloads.join(PAYLOAD_SEPARATOR)])
      },
    }
  }

  const getPrepared = get.prepare(name('get'))
  const upsertPrepared = upsert.prepare(name('set'))
  const touchPrepared = touch.prepare(name('touch'))
  const destroyPrepared = destroy.prepare(name('destroy'))
  return {
    async get(id) {
      const rows = (await getPrepared.execute({ id })) as StoredRow[]
      return rows[0]
    },
    async upsert(id, data, userId, expiresAt) {
      await upsertPrepared.execute({ id, data, userId, expiresAt })
    },
    async touch(id, expiresAt) {
      const rows = (await touchPrepared.execute({ id, expiresAt })) as unknown[]
      return rows.length > 0
    },
    async destroy(id) {
      await destroyPrepared.execute({ id })
    },
    async notify(channel, payloads) {
      // Batched and off the request path, so building it per call costs nothing that matters.
      await db.execute(notify(channel, payloads.join(PAYLOAD_SEPARATOR)))
    },
  }
}
