/**
 * The hot-path statements, built once per store and prepared under names unique to the table: each is one
 * single-row lookup or write by primary key, one round trip. With the read cache on, the digests written are
 * announced afterwards in batches by one more statement, `notify` (see PgStore's `#announce`).
 */
import { createHash } from 'node:crypto'
import { and, entityKind, eq, gt, is, Param, Placeholder, sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { AnyPgDatabase } from './db'
import type { SessionTable } from './schema'

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
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7_900

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

/**
 * The NOTIFY payloads announcing `digests`: `<instance>:<digest>,<digest>,...`, each under PostgreSQL's limit.
 */
export function noticePayloads(instance: string, digests: Iterable<string>): string[] {
  const payloads: string[] = []
  let current = ''
  for (const digest of digests) {
    if (current && current.length + 1 + digest.length > MAX_PAYLOAD) {
      payloads.push(current)
      current = ''
    }
    current = current ? `${current},${digest}` : `${instance}:${digest}`
  }
  if (current) payloads.push(current)
  return payloads
}

export function prepareHotQueries(db: AnyPgDatabase, t: SessionTable, qualifiedName: string): HotQueries {
  const tag = tableTag(qualifiedName)
  const name = (op: string) => `pgstore_${op}_${tag}`
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

/** What the direct path needs of a `pg.Pool` or `pg.Client`. */
interface PgQueryable {
  query(config: object): Promise<{ rows: unknown[][] }>
}

/** The pool or client under a Drizzle node-postgres database, or undefined for any other driver. */
function nodePgClient(db: AnyPgDatabase): PgQueryable | undefined {
  const session = (db as { session?: { constructor?: Record<symbol, unknown> } }).session
  if (session?.constructor?.[entityKind] !== 'NodePgSession') return undefined
  const client = (db as { $client?: Partial<PgQueryable> }).$client
  return typeof client?.query === 'function' ? (client as PgQueryable) : undefined
}

/** Hands every value over as the driver gave it, except float8 (epoch ms), which becomes a number. */
const FLOAT8 = 701
const asIs = (value: string) => value
const parsers = { getTypeParser: (oid: number) => (oid === FLOAT8 ? Number : asIs) }

/**
 * One statement on node-postgres: named (parsed and planned once per connection), rows as arrays, and no
 * global type parser in play. `order` lists the placeholders in the order the caller passes their values;
 * parameters that are not placeholders (the NOTIFY channel and instance) are constants of the statement.
 */
function direct(
  pool: PgQueryable,
  query: { sql: string; params: unknown[] },
  name: string,
  order: readonly string[],
): (values: unknown[]) => Promise<unknown[][]> {
  // Each $n is a caller's value (a placeholder, maybe behind its column's encoder) or a constant.
  type Slot = { at: number; encode?: (value: unknown) => unknown } | { constant: unknown }
  const slots: Slot[] = query.params.map((p) => {
    const encoder = is(p, Param) ? p.encoder : undefined
    const value = is(p, Param) ? p.value : p
    if (!is(value, Placeholder)) return { constant: encoder ? encoder.mapToDriverValue(value) : value }
    const at = order.indexOf(value.name)
    if (at < 0) throw new Error(`pgstore: statement ${name} uses an unknown placeholder.`)
    return encoder ? { at, encode: (v: unknown) => encoder.mapToDriverValue(v) } : { at }
  })
  const identity =
    slots.length === order.length && slots.every((slot, i) => 'at' in slot && slot.at === i && !slot.encode)
  const fill = (values: unknown[]) =>
    slots.map((slot) => {
      if ('constant' in slot) return slot.constant
      const value = values[slot.at]
      return slot.encode && value != null ? slot.encode(value) : value
    })
  // node-postgres copies every query config it is given, own property by own property. The constant fields
  // live on a shared prototype, which the copy keeps, so only `values` is copied per call.
  const constant = { name, text: query.sql, rowMode: 'array', types: parsers }
  return async (values) => {
    const config = Object.create(constant) as typeof constant & { values: unknown[] }
    config.values = identity ? values : fill(values)
    const result = await pool.query(config)
    return result.rows
  }
}
