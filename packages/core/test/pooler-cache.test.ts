/**
 * The read cache behind PgBouncer: through transaction mode (6433) LISTEN hears nothing, so the cache must
 * be bypassed and say so; through session mode (6432) or with listenConnectionString it works.
 */
import { randomBytes } from 'node:crypto'
import { PgStore, type PgStoreError } from '@pgstore/core'
import {
  assertPgBouncerReachable,
  DATABASE_URL,
  PGBOUNCER_SESSION_URL,
  PGBOUNCER_TRANSACTION_URL,
  useTestDatabase,
} from '@pgstore/testing'
import { beforeAll, describe, expect, it } from 'vitest'

beforeAll(async () => {
  await assertPgBouncerReachable(PGBOUNCER_SESSION_URL)
  await assertPgBouncerReachable(PGBOUNCER_TRANSACTION_URL)
})

const newSid = () => randomBytes(32).toString('base64url')

describe('the read cache behind PgBouncer', () => {
  const db = useTestDatabase('pg', { createTable: true })

  /** Two cached stores on `url`; B reads a session, A destroys it: what does B read next? */
  async function staleness(url: string, listen?: string) {
    const options = {
      connectionString: url,
      table: db.table,
      preparedStatements: false,
      cache: { maxAge: 60_000 },
      ...(listen ? { listenConnectionString: listen } : {}),
    }
    const a = new PgStore(options)
    const b = new PgStore(options)
    const reports: PgStoreError[] = []
    b.on('backgroundError', (err) => reports.push(err))
    a.on('backgroundError', () => undefined)
    try {
      const sid = newSid()
      await a.set(sid, { n: 1 })
      expect(await b.get(sid)).toEqual({ n: 1 })
      await a.destroy(sid)
      // The deletion notice reaches B asynchronously: poll B (at most ~1 s) instead of a fixed sleep.
      let after: unknown = { n: 1 }
      for (let i = 0; i < 50 && after !== null; i++) {
        after = await b.get(sid)
        if (after !== null) await new Promise((r) => setTimeout(r, 20))
      }
      return { after, reports }
    } finally {
      await a.close()
      await b.close()
    }
  }

  it('through transaction mode: bypasses the cache and reports it loudly', async () => {
    const { after, reports } = await staleness(PGBOUNCER_TRANSACTION_URL)
    expect(after).toBeNull()
    expect(reports.some((e) => e.code === 'INVALID_OPTIONS' && /cache is bypassed/.test(e.message))).toBe(
      true,
    )
  })

  it('through session mode: the cache hears deletions, no report', async () => {
    const { after, reports } = await staleness(PGBOUNCER_SESSION_URL)
    expect(after).toBeNull()
    expect(reports).toEqual([])
  })

  it('through transaction mode with listenConnectionString: the cache hears deletions, no report', async () => {
    const { after, reports } = await staleness(PGBOUNCER_TRANSACTION_URL, DATABASE_URL)
    expect(after).toBeNull()
    expect(reports).toEqual([])
  })
})
