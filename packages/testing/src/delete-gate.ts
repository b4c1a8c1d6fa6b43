/**
 * A trigger that holds every DELETE on a table inside its statement until the test opens the gate, so a
 * test can look at what a statement holds while it runs (a prune batch and its advisory lock) without
 * guessing how long it takes. The gate is an advisory lock the test holds on its own connection; each
 * deleted row's trigger waits for it, then goes on.
 *
 * @example
 * ```ts
 * const gate = await holdDeletes(db, db.table)
 * const sweeping = store.prune()
 * await gate.waiting()   // the DELETE is inside its statement, blocked on the gate
 * await gate.open()      // it finishes; the trigger is dropped
 * ```
 */
import type { SessionTable } from '@pgstore/core'
import pg from 'pg'
import { DATABASE_URL, freshName, type TestDatabase } from './database'
import { qualifiedName } from './probe'

export interface DeleteGate {
  /** Resolves once a DELETE on the table waits at the gate (polls pg_locks). */
  waiting(): Promise<void>
  /** Lets every held DELETE through, drops the trigger and ends the gate's connection. */
  open(): Promise<void>
}

/** @throws Error for a PGlite database: the gate is held from a second connection, which PGlite has not. */
export async function holdDeletes(
  db: Pick<TestDatabase, 'query' | 'schema' | 'kind'>,
  table: SessionTable,
): Promise<DeleteGate> {
  if (db.kind !== 'pg') throw new Error('holdDeletes needs a PostgreSQL test database (kind "pg").')
  const name = freshName('pgstore_gate')
  // A positive 28-bit key: pg_locks then shows it as objid, with classid 0.
  const key = Number.parseInt(name.slice(-7), 16)
  const holder = new pg.Client({ connectionString: DATABASE_URL })
  await holder.connect()
  await holder.query('select pg_advisory_lock($1::bigint)', [key])
  const fn = `"${db.schema}"."${name}"`
  await db.query(`
    create function ${fn}() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock_shared(${key});
      return old;
    end $$`)
  await db.query(
    `create trigger "${name}" before delete on ${qualifiedName(table)} for each row execute function ${fn}()`,
  )
  return {
    async waiting() {
      for (;;) {
        const rows = await db.query(
          `select 1 from pg_locks where locktype = 'advisory' and not granted and classid = 0 and objid::text::bigint = $1`,
          [key],
        )
        if (rows.length > 0) return
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    async open() {
      await holder.query('select pg_advisory_unlock($1::bigint)', [key])
      await holder.end()
      await db.query(`drop trigger if exists "${name}" on ${qualifiedName(table)}`)
      await db.query(`drop function if exists ${fn}()`)
    },
  }
}
