/**
 * A pool of the app's own that sends a startup parameter PgBouncer does not know (here `statement_timeout`,
 * as pgstore's own pool once did) is refused on every connection with `08P01 unsupported startup
 * parameter`. That is a configuration error with one remedy, so the store says INVALID_OPTIONS and what to
 * do, and does not report an outage that "will be retried". Through Debian's PgBouncer 1.18, session and
 * transaction mode.
 */
import { isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { assertPgBouncerReachable, PGBOUNCER_SESSION_URL, PGBOUNCER_TRANSACTION_URL } from '@pgstore/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'

describe.each([
  ['session', PGBOUNCER_SESSION_URL],
  ['transaction', PGBOUNCER_TRANSACTION_URL],
])('a pool with a startup parameter, through PgBouncer in %s mode', (_mode, url) => {
  it('fails with INVALID_OPTIONS that names the remedy, and the store does not claim an outage', async () => {
    await assertPgBouncerReachable(url)
    const pool = new pg.Pool({ connectionString: url, statement_timeout: 5_000, max: 2 })
    const store = new PgStore({ pool, prune: false })
    const disconnects: string[] = []
    store.on('disconnect', (e) => disconnects.push(e.code))
    try {
      const err = await store.get(newSessionId()).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isPgStoreError(err, 'INVALID_OPTIONS'), String(err)).toBe(true)
      const message = (err as Error).message
      expect(message).toContain('refused a startup parameter')
      expect(message).toContain('ignore_startup_parameters')
      expect(message).not.toMatch(/retried/i)
      expect((err as { cause?: { sqlstate?: string } }).cause?.sqlstate).toBe('08P01')
      expect(disconnects).toEqual([])
    } finally {
      await store.close()
      await pool.end()
    }
  })
})
