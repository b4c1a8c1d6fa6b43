/**
 * A trigger that makes a write stall on purpose inside the statement, holding its pool connection, so a test
 * can exhaust a pool or outlast a timeout. `when` is the SQL condition on `new` that makes a row sleep
 * (default: rows whose data has a `sleep` key), `seconds` the SQL expression for how long (default: that
 * key's value).
 *
 * @example
 * ```ts
 * await installSlowTrigger(db, db.table)
 * await store.set(sid, { sleep: 0.2 }) // takes at least 200 ms
 * await installSlowTrigger(db, db.table, { name: 'hold', when: "new.data ? 'hold'", seconds: '0.5' })
 * ```
 */
import type { SessionTable } from '@pgstore/core'
import type { TestDatabase } from './database'
import { qualifiedName } from './probe'

export interface SlowTriggerOptions {
  /** Trigger and function name; default `pgstore_slow_write`. */
  name?: string
  /** SQL condition on `new`; default `new.data ? 'sleep'`. */
  when?: string
  /** SQL expression for the seconds to sleep; default `(new.data ->> 'sleep')::float8`. */
  seconds?: string
  /** Which writes fire it; default `insert or update`. */
  on?: 'insert' | 'update' | 'insert or update'
}

export async function installSlowTrigger(
  db: Pick<TestDatabase, 'query' | 'schema'>,
  table: SessionTable,
  options: SlowTriggerOptions = {},
): Promise<void> {
  const name = options.name ?? 'pgstore_slow_write'
  const when = options.when ?? "new.data ? 'sleep'"
  const seconds = options.seconds ?? "(new.data ->> 'sleep')::float8"
  const fn = `"${db.schema}"."${name}"`
  await db.query(`
    create or replace function ${fn}() returns trigger language plpgsql as $$
    begin
      if ${when} then perform pg_sleep(${seconds}); end if;
      return new;
    end $$`)
  await db.query(
    `create trigger "${name}" before ${options.on ?? 'insert or update'} on ${qualifiedName(table)}
     for each row execute function ${fn}()`,
  )
}
