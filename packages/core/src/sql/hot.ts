/**
 * The hot-path statements, built once per store and prepared under names unique to the table: each is one
 * single-row lookup or write by primary key, one round trip. A new session inserts, a loaded one updates
 * (so a write never brings back a row that was revoked), and a deletion announces itself on the table's
 * channel from its own statement. The absolute lifetime (from `created_at`) bounds every read and write.
 * With the read cache on, the digests written are announced afterwards in batches by one more statement,
 * `notify` (see cache/announcer.ts). Only the creating writes (insert, upsert) take the request's metadata
 * (`meta`); update and touch never touch that column.
 */
import { and, eq, sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { noticePrefix, type WriteNotice } from '../cache/protocol'
import type { SessionTable } from '../schema'
import type { AnyPgDatabase } from './database'
import { direct, nodePgClient, type StatementMode } from './direct'
import { statementName } from './names'
import { rowRules } from './rules'

const ph = sql.placeholder

export interface StoredRow {
  data: string
  /** Epoch ms: the row's expiry, or the end of its absolute lifetime when that comes first. */
  expiresAt: number
  /** Epoch ms. */
  updatedAt: number
}

/**
 * The hot statements of one store. Every write returns the expiry it stored (epoch ms), which the absolute
 * lifetime may have cut short, or undefined when it wrote nothing.
 */
export interface HotQueries {
  get(id: string): Promise<StoredRow | undefined>
  /**
   * Creates or replaces the row, whatever was there. `meta` (JSON text) is the new session's; replacing a
   * live row keeps the row's own unless `meta` is given.
   */
  upsert(
    id: string,
    data: string,
    userId: string | null,
    expiresAt: string,
    meta: string | null,
  ): Promise<number>
  /** Creates a new session (replacing only a dead row); undefined when a live row holds the id. */
  insert(
    id: string,
    data: string,
    userId: string | null,
    expiresAt: string,
    meta: string | null,
  ): Promise<number | undefined>
  /**
   * Rewrites a live row; undefined when it is gone (revoked or expired), and then nothing is written. Its
   * `meta` stays as the session's creation left it.
   */
  update(id: string, data: string, userId: string | null, expiresAt: string): Promise<number | undefined>
  /** Moves the expiry of a live row, filling a missing user id; undefined when no live row was there. */
  touch(id: string, expiresAt: string, userId: string | null): Promise<number | undefined>
  /** Deletes the row and announces the deletion on the table's channel from the same statement. */
  destroy(id: string): Promise<void>
  /**
   * NOTIFYs each payload on `channel` in one statement, committed asynchronously: a lost notification only
   * costs a cache miss elsewhere, so it never waits for a disk flush.
   */
  notify(channel: string, payloads: readonly string[]): Promise<void>
  /** Resolves once no call waits or runs that the store itself holds back (coalescing); before close. */
  idle(): Promise<void>
}

/** Payloads are joined with this to travel as one parameter; it never occurs in one. */
const PAYLOAD_SEPARATOR = ' '

export interface HotOptions {
  /** The qualified table name, which the statement names derive from. */
  qualifiedName: string
  /** Where deletions are announced. */
  notice: WriteNotice
  /** The absolute lifetime, in ms from `created_at`. */
  lifetime: number
  /** Named or unnamed statements (see {@link StatementMode}). */
  mode: StatementMode
}

export function prepareHotQueries(db: AnyPgDatabase, t: SessionTable, options: HotOptions): HotQueries {
  const name = (op: string) => statementName(options.qualifiedName, op)
  const mode = options.mode
  const { lifetime, live, dead, epoch, readExpiry, cappedExpiry, upsertSet, replaceDead } = rowRules(
    t,
    options.lifetime,
  )
  const key = eq(t.id, ph('id'))

  const stored = { expiresAt: epoch(t.expiresAt) }
  const get = db
    .select({
      data: sql<string>`${t.data}::text`,
      expiresAt: readExpiry,
      updatedAt: epoch(t.updatedAt),
    })
    .from(t)
    .where(and(key, live))

  // Parameters go in as text and are cast in SQL, so every driver sends them untouched (a driver that
  // knows the column is jsonb would otherwise encode the JSON string a second time).
  const data = sql`${ph('data')}::text::jsonb`
  const expiry = sql`${ph('expiresAt')}::text::timestamptz`
  const values = {
    id: ph('id') as never,
    data,
    userId: ph('userId') as never,
    expiresAt: sql`least(${expiry}, now() + ${lifetime})`,
    meta: sql`${ph('meta')}::text::jsonb`,
  }
  const upsert = db
    .insert(t)
    .values(values)
    .onConflictDoUpdate({
      target: t.id,
      set: upsertSet,
    })
    .returning(stored)
  const insert = db
    .insert(t)
    .values(values)
    .onConflictDoUpdate({ target: t.id, set: replaceDead, setWhere: dead })
    .returning(stored)
  const update = db
    .update(t)
    .set({
      data,
      userId: ph('userId') as never,
      updatedAt: sql`now()`,
      expiresAt: cappedExpiry(expiry),
    })
    .where(and(key, live))
    .returning(stored)
  const touch = db
    .update(t)
    .set({
      expiresAt: cappedExpiry(expiry),
      updatedAt: sql`now()`,
      userId: sql`coalesce(${t.userId}, ${ph('userId')})`,
    })
    .where(and(key, live))
    .returning(stored)

  // Every store announces its deletions, cached or not, so no cached instance goes on serving a revoked
  // session: pg_notify runs only for a row that went, and commits with its deletion.
  const prefix = noticePrefix(options.notice.instance)
  const destroy = db
    .delete(t)
    .where(key)
    .returning({ n: sql`pg_notify(${options.notice.channel}, ${prefix} || ${t.id})` })

  // synchronous_commit is set for this statement's own transaction only.
  const notify = (channel: unknown, payloads: unknown) =>
    sql`select set_config('synchronous_commit', 'off', true), (select count(pg_notify(${channel}, p)) from unnest(string_to_array(${payloads}::text, ${PAYLOAD_SEPARATOR})) as p)`

  const pool = nodePgClient(db)
  if (pool) {
    // node-postgres: the statement text Drizzle built, sent straight to the driver as a named statement with
    // array rows. This skips Drizzle's per-call layers (placeholder filling, tracing spans, row mapping),
    // about a quarter of the client CPU of a lookup.
    const write = ['id', 'data', 'userId', 'expiresAt']
    const create = [...write, 'meta']
    const getRow = direct(pool, get.toSQL(), name('get'), ['id'], mode)
    const upsertRow = direct(pool, upsert.toSQL(), name('set'), create, mode)
    const insertRow = direct(pool, insert.toSQL(), name('insert'), create, mode)
    const updateRow = direct(pool, update.toSQL(), name('update'), write, mode)
    const touchRow = direct(pool, touch.toSQL(), name('touch'), ['id', 'expiresAt', 'userId'], mode)
    const destroyRow = direct(pool, destroy.toSQL(), name('destroy'), ['id'], mode)
    const notifyQuery = new PgDialect().sqlToQuery(notify(ph('channel'), ph('payloads')))
    const notifyRows = direct(pool, notifyQuery, name('notify'), ['channel', 'payloads'], mode)
    const first = (rows: unknown[][]) => rows[0]?.[0] as number | undefined
    return {
      async get(id) {
        const row = (await getRow([id]))[0] as [string, number, number] | undefined
        return row && { data: row[0], expiresAt: row[1], updatedAt: row[2] }
      },
      async upsert(id, data, userId, expiresAt, meta) {
        return first(await upsertRow([id, data, userId, expiresAt, meta])) as number
      },
      async insert(id, data, userId, expiresAt, meta) {
        return first(await insertRow([id, data, userId, expiresAt, meta]))
      },
      async update(id, data, userId, expiresAt) {
        return first(await updateRow([id, data, userId, expiresAt]))
      },
      async touch(id, expiresAt, userId) {
        return first(await touchRow([id, expiresAt, userId]))
      },
      async destroy(id) {
        await destroyRow([id])
      },
      async notify(channel, payloads) {
        await notifyRows([channel, payloads.join(PAYLOAD_SEPARATOR)])
      },
      idle: async () => undefined,
    }
  }

  // Other drivers: an empty name is an unnamed statement where the driver honours names (node-postgres
  // over a Drizzle session it does not expose); postgres.js decides by its own `prepare` option.
  const named = (op: string) => (mode.named ? name(op) : '')
  const getPrepared = get.prepare(named('get'))
  const upsertPrepared = upsert.prepare(named('set'))
  const insertPrepared = insert.prepare(named('insert'))
  const updatePrepared = update.prepare(named('update'))
  const touchPrepared = touch.prepare(named('touch'))
  const destroyPrepared = destroy.prepare(named('destroy'))
  const first = (rows: unknown) => (rows as Array<{ expiresAt: number }>)[0]?.expiresAt
  return {
    async get(id) {
      const rows = (await getPrepared.execute({ id })) as StoredRow[]
      return rows[0]
    },
    async upsert(id, data, userId, expiresAt, meta) {
      return first(await upsertPrepared.execute({ id, data, userId, expiresAt, meta })) as number
    },
    async insert(id, data, userId, expiresAt, meta) {
      return first(await insertPrepared.execute({ id, data, userId, expiresAt, meta }))
    },
    async update(id, data, userId, expiresAt) {
      return first(await updatePrepared.execute({ id, data, userId, expiresAt }))
    },
    async touch(id, expiresAt, userId) {
      return first(await touchPrepared.execute({ id, expiresAt, userId }))
    },
    async destroy(id) {
      await destroyPrepared.execute({ id })
    },
    async notify(channel, payloads) {
      // Batched and off the request path, so building it per call costs nothing that matters.
      await db.execute(notify(channel, payloads.join(PAYLOAD_SEPARATOR)))
    },
    idle: async () => undefined,
  }
}
