/**
 * Counts statements sent to PostgreSQL by this process, at the driver: every pool query, connect-pg-simple's
 * and Drizzle's alike, goes through `pg.Client.prototype.query`. The orchestrator checks the total against the
 * database's own transaction counter, so the per-request figures are not only the driver's word.
 */
import pg from 'pg'

let statements = 0
let installed = false

export function countStatements(): void {
  if (installed) return
  installed = true
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const original = proto.query
  proto.query = function counted(this: unknown, ...args: unknown[]) {
    statements += 1
    return original.apply(this, args)
  }
}

/** For drivers that do not go through `pg.Client` (postgres.js reports each query to its `debug` hook). */
export function addStatement(): void {
  statements += 1
}

export function statementCount(): number {
  return statements
}
