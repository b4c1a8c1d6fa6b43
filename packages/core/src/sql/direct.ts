/**
 * The node-postgres direct path: a hot statement's text, built by Drizzle once, sent straight to the
 * driver as a named statement with array rows and pgstore's own type parsers. It skips Drizzle's per-call
 * layers (placeholder filling, tracing spans, row mapping), about a quarter of the client CPU of a lookup.
 */
import { entityKind, is, Param, Placeholder } from 'drizzle-orm'
import type { AnyPgDatabase } from './database'

/** What the direct path needs of a `pg.Pool` or `pg.Client`. */
export interface PgQueryable {
  query(config: object): Promise<{ rows: unknown[][] }>
}

/** The pool or client under a Drizzle node-postgres database, or undefined for any other driver. */
export function nodePgClient(db: AnyPgDatabase): PgQueryable | undefined {
  const session = (db as { session?: { constructor?: Record<symbol, unknown> } }).session
  if (session?.constructor?.[entityKind] !== 'NodePgSession') return undefined
  const client = (db as { $client?: Partial<PgQueryable> }).$client
  return typeof client?.query === 'function' ? (client as PgQueryable) : undefined
}

/**
 * Whether hot statements are named (parsed and planned once per server connection) or unnamed (parsed on
 * every call). Shared by a store's statements: the first sign that named statements do not survive the
 * pooler (PgBouncer before 1.21 and Supavisor in transaction mode hand each transaction another server
 * connection: `42P05 prepared statement ... already exists`, `26000 ... does not exist`) switches every
 * statement to unnamed for good and calls `switched` once.
 */
export class StatementMode {
  #named: boolean
  readonly #switched: (err: unknown) => void

  constructor(named: boolean, switched: (err: unknown) => void) {
    this.#named = named
    this.#switched = switched
  }

  get named(): boolean {
    return this.#named
  }

  /**
   * True (and unnamed from now on) when `err`, from a statement sent named, says a pooler lost or doubled
   * it. Calls that were in flight when the first one switched get true too; only the first reports.
   */
  lostNamed(err: unknown): boolean {
    const code = (err as { code?: unknown } | null)?.code
    if (code !== '42P05' && code !== '26000') return false
    if (this.#named) {
      this.#named = false
      this.#switched(err)
    }
    return true
  }
}

/** Hands every value over as the driver gave it, except float8 (epoch ms), which becomes a number. */
const FLOAT8 = 701
const asIs = (value: string) => value
const parsers = { getTypeParser: (oid: number) => (oid === FLOAT8 ? Number : asIs) }

/**
 * One statement on node-postgres: named unless `mode` says otherwise (parsed and planned once per
 * connection), rows as arrays, and no
 * global type parser in play. `order` lists the placeholders in the order the caller passes their values;
 * parameters that are not placeholders (the NOTIFY channel and instance) are constants of the statement.
 */
export function direct(
  pool: PgQueryable,
  query: { sql: string; params: unknown[] },
  name: string,
  order: readonly string[],
  mode: StatementMode,
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
  const named = { name, text: query.sql, rowMode: 'array', types: parsers }
  const unnamed = { text: query.sql, rowMode: 'array', types: parsers }
  const send = (values: unknown[]) => {
    const config = Object.create(mode.named ? named : unnamed) as typeof unnamed & { values: unknown[] }
    config.values = values
    return pool.query(config)
  }
  return async (values) => {
    const filled = identity ? values : fill(values)
    const sentNamed = mode.named
    try {
      return (await send(filled)).rows
    } catch (err) {
      // 42P05 fails the Parse and 26000 the Bind, so the statement never ran: sending it again, unnamed,
      // cannot write twice.
      if (!sentNamed || !mode.lostNamed(err)) throw err
      return (await send(filled)).rows
    }
  }
}
