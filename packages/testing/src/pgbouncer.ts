/**
 * The PgBouncer endpoints `scripts/ensure-services.sh` starts in front of the test server: session mode on
 * 6432 and transaction mode on 6433 (Debian's 1.18, no prepared statements in transaction mode). An
 * unreachable pooler fails the suite loudly; nothing is skipped.
 *
 * @example
 * ```ts
 * beforeAll(() => assertPgBouncerReachable(PGBOUNCER_TRANSACTION_URL))
 * const store = new PgStore({ connectionString: PGBOUNCER_TRANSACTION_URL, preparedStatements: false })
 * ```
 */
import { connectionError } from './database'

export const PGBOUNCER_SESSION_URL =
  process.env.PGBOUNCER_SESSION_URL || 'postgres://postgres@127.0.0.1:6432/test'
export const PGBOUNCER_TRANSACTION_URL =
  process.env.PGBOUNCER_TRANSACTION_URL || 'postgres://postgres@127.0.0.1:6433/test'

/** Fails with a message that says what to do when no PgBouncer answers at `url`. */
export async function assertPgBouncerReachable(url: string): Promise<void> {
  const err = await connectionError(url)
  if (err) {
    throw new Error(
      `PgBouncer is not reachable at ${new URL(url).host} (${err.message}). Run \`bash scripts/ensure-services.sh\`, or set PGBOUNCER_SESSION_URL / PGBOUNCER_TRANSACTION_URL; pooler tests never skip.`,
    )
  }
}
