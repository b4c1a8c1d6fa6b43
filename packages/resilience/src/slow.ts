/**
 * A trigger that makes a write stall on purpose: a row whose data has `sleep: <seconds>` sleeps that long
 * inside the statement, holding its pool connection, so a test can exhaust a pool or outlast a timeout.
 *
 * @example
 * ```ts
 * await installSlowTrigger(db)
 * await store.set(sid, { sleep: 0.2 }) // takes at least 200 ms
 * ```
 */
import type { TestDatabase } from '@pgstore/testing'

export async function installSlowTrigger(db: TestDatabase, table = 'http_sessions'): Promise<void> {
  await db.query(`
    create or replace function "${db.schema}".pgstore_slow_write() returns trigger language plpgsql as $$
    begin
      if new.data ? 'sleep' then perform pg_sleep((new.data ->> 'sleep')::float8); end if;
      return new;
    end $$`)
  await db.query(
    `create trigger pgstore_slow_write before insert or update on "${db.schema}"."${table}"
     for each row execute function "${db.schema}".pgstore_slow_write()`,
  )
}
