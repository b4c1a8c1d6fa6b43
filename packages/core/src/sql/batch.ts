/**
 * The coalesced hot statements: each carries many calls of one kind in one statement and one round trip
 * (see store/coalescer.ts), under the same row rules as the single-row statements of hot.ts. Ids travel
 * as one space-separated parameter (digests are base64url, so no id holds a space), rows to write as one
 * JSON array; both go in as text and are unpacked in SQL, which every driver sends untouched. Each
 * statement returns the id of every row it read or wrote, so each caller gets its own answer.
 *
 * @example
 * ```ts
 * const batch = prepareBatchQueries(db, table, options)
 * const rows = await batch.get([a, b]) // Map of the live ones, by id
 * ```
 */
import { type SQL, sql } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import { noticePrefix } from '../cache/protocol'
import type { SessionTable } from '../schema'
import { type AnyPgDatabase, rowsOf } from './database'
import { direct, nodePgClient } from './direct'
import type { HotOptions, StoredRow } from './hot'
import { statementName } from './names'
import { rowRules } from './rules'

/** One write of a batch: the values of the single-row statement's call. */
export interface BatchWrite {
  id: string
  data: string
  userId: string | null
  expiresAt: string
  meta: string | null
}

/** One touch of a batch. */
export interface BatchTouch {
  id: string
  expiresAt: string
  userId: string | null
}

/** Many calls of one kind in one statement; answers by id, an id with no row having none. */
export interface BatchQueries {
  get(ids: readonly string[]): Promise<Map<string, StoredRow>>
  upsert(rows: readonly BatchWrite[]): Promise<Map<string, number>>
  insert(rows: readonly BatchWrite[]): Promise<Map<string, number>>
  update(rows: readonly BatchWrite[]): Promise<Map<string, number>>
  touch(rows: readonly BatchTouch[]): Promise<Map<string, number>>
  destroy(ids: readonly string[]): Promise<Map<string, undefined>>
}

const ID_SEPARATOR = ' '

/** The alias of the unpacked rows, which no session table is named. */
const INPUT = sql.raw('pgstore_input')

export function prepareBatchQueries(db: AnyPgDatabase, t: SessionTable, options: HotOptions): BatchQueries {
  const { lifetime, live, dead, epoch, readExpiry, cappedExpiry, upsertSet, replaceDead } = rowRules(
    t,
    options.lifetime,
  )
  const column = (c: SessionTable[keyof SessionTable['_']['columns']]) => sql.identifier(c.name)
  const assign = (set: Record<string, SQL>) =>
    sql.join(
      Object.entries(set).map(([key, value]) => sql`${column(t[key as 'data'])} = ${value}`),
      sql`, `,
    )
  const ids = (p: unknown) => sql`${t.id} = any(string_to_array(${p}::text, ${ID_SEPARATOR}))`
  const written = sql`${t.id}, ${epoch(t.expiresAt)}`
  const input = (p: unknown, columns: SQL) => sql`json_to_recordset(${p}::text::json) as ${INPUT}(${columns})`
  const writeColumns = sql.raw('id text, data jsonb, user_id text, expires_at timestamptz, meta jsonb')
  const from = (name: string) => sql`${INPUT}.${sql.identifier(name)}`

  const get = (p: unknown) =>
    sql`select ${t.id}, ${t.data}::text, ${readExpiry}, ${epoch(t.updatedAt)} from ${t} where ${ids(p)} and ${live}`
  const insertInto = (p: unknown) =>
    sql`insert into ${t} (${column(t.id)}, ${column(t.data)}, ${column(t.userId)}, ${column(t.expiresAt)}, ${column(t.meta)}) select ${from('id')}, ${from('data')}, ${from('user_id')}, least(${from('expires_at')}, now() + ${lifetime}), ${from('meta')} from ${input(p, writeColumns)} on conflict (${column(t.id)}) do update set`
  const upsert = (p: unknown) => sql`${insertInto(p)} ${assign(upsertSet)} returning ${written}`
  const insert = (p: unknown) =>
    sql`${insertInto(p)} ${assign(replaceDead)} where ${dead} returning ${written}`
  // The rows to change, joined by id. The id array lets the planner look each row up by primary key: joined
  // only to the function scan (estimated at 100 rows), it would hash the table's live rows, 8.8 ms instead
  // of 0.15 for 8 rows of a 2,000-row table. The CTE is read twice, so the parameter travels once.
  const changeRows = (p: unknown, columns: SQL, set: Record<string, SQL>) =>
    sql`with ${INPUT} as (select * from ${input(p, columns)}) update ${t} set ${assign(set)} from ${INPUT} where ${t.id} = ${from('id')} and ${t.id} = any(array(select ${from('id')} from ${INPUT})) and ${live} returning ${written}`
  // An update only finds live rows, so a revoked or expired session stays gone (see hot.ts).
  const update = (p: unknown) =>
    changeRows(p, writeColumns, {
      data: from('data'),
      userId: from('user_id'),
      updatedAt: sql`now()`,
      expiresAt: cappedExpiry(from('expires_at')),
    })
  const touch = (p: unknown) =>
    changeRows(p, sql.raw('id text, expires_at timestamptz, user_id text'), {
      expiresAt: cappedExpiry(from('expires_at')),
      updatedAt: sql`now()`,
      userId: sql`coalesce(${t.userId}, ${from('user_id')})`,
    })
  const prefix = noticePrefix(options.notice.instance)
  const destroy = (p: unknown) =>
    sql`delete from ${t} where ${ids(p)} returning ${t.id}, pg_notify(${options.notice.channel}, ${prefix} || ${t.id})`

  const pool = nodePgClient(db)
  const dialect = new PgDialect()
  // Rows as arrays, each starting with its id: the direct path on node-postgres, Drizzle elsewhere.
  const statement = (op: string, build: (p: unknown) => SQL): ((param: string) => Promise<unknown[][]>) => {
    if (pool) {
      const query = dialect.sqlToQuery(build(sql.placeholder('p')))
      const run = direct(pool, query, statementName(options.qualifiedName, op), ['p'], options.mode)
      return (param) => run([param])
    }
    return async (param) => rowsOf<object>(await db.execute(build(param))).map((row) => Object.values(row))
  }
  const byId = <T>(rows: unknown[][], value: (row: unknown[]) => T) =>
    new Map(rows.map((row) => [row[0] as string, value(row)]))
  const writes = (op: string, build: (p: unknown) => SQL) => {
    const run = statement(op, build)
    return async (rows: readonly (BatchWrite | BatchTouch)[]) =>
      byId(await run(`[${rows.map(toJson).join(',')}]`), (row) => row[1] as number)
  }
  const getRows = statement('get_many', get)
  const destroyRows = statement('destroy_many', destroy)
  return {
    async get(list) {
      const rows = await getRows(list.join(ID_SEPARATOR))
      return byId(rows, (row) => ({
        data: row[1] as string,
        expiresAt: row[2] as number,
        updatedAt: row[3] as number,
      }))
    },
    upsert: writes('set_many', upsert),
    insert: writes('insert_many', insert),
    update: writes('update_many', update),
    touch: writes('touch_many', touch),
    async destroy(list) {
      return byId(await destroyRows(list.join(ID_SEPARATOR)), () => undefined)
    },
  }
}

/**
 * A row as json_to_recordset reads it. Data and meta are JSON text already (what the single-row statement
 * would cast to jsonb), so they are embedded as they are, not parsed and written again: a jsonb column of
 * the recordset takes a JSON value as it is, and a JSON null is SQL NULL.
 */
function toJson(row: BatchWrite | BatchTouch): string {
  const head = `{"id":${JSON.stringify(row.id)},"expires_at":${JSON.stringify(row.expiresAt)},"user_id":${JSON.stringify(row.userId)}`
  if (!('data' in row)) return `${head}}`
  return `${head},"data":${row.data},"meta":${row.meta ?? 'null'}}`
}
