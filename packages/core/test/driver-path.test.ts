/**
 * On node-postgres the hot statements bypass Drizzle's execute: the text Drizzle built is sent as a named
 * statement with array rows and pgstore's own type parsers. These tests pin what that path must keep.
 */
import { digestSessionId, newSessionId, PgStore } from '@pgstore/core'
import { useTestDatabase } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { describe, expect, it } from 'vitest'

const FLOAT8 = 701
const TIMESTAMPTZ = 1184

describe('node-postgres direct path', () => {
  const db = useTestDatabase('pg')

  it('is unaffected by global type parsers an app set for float8 and timestamptz', async () => {
    const float8 = pg.types.getTypeParser(FLOAT8)
    const timestamptz = pg.types.getTypeParser(TIMESTAMPTZ)
    pg.types.setTypeParser(FLOAT8, () => 'app float8')
    pg.types.setTypeParser(TIMESTAMPTZ, () => 'app timestamptz')
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    const store = new PgStore({ pool, table: db.table, createTable: true, prune: false })
    try {
      const sid = newSessionId()
      const expiresAt = new Date(Date.now() + 3_600_000)
      expiresAt.setMilliseconds(123)
      await store.set(sid, { a: 1.5, when: '2026-01-01T00:00:00.000Z' }, { expiresAt })
      const record = await store.getRecord(sid)
      expect(record?.data).toEqual({ a: 1.5, when: '2026-01-01T00:00:00.000Z' })
      expect(record?.expiresAt).toBeInstanceOf(Date)
      expect(record?.expiresAt.getTime()).toBe(expiresAt.getTime())
      expect(Math.abs((record?.updatedAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000)
    } finally {
      pg.types.setTypeParser(FLOAT8, float8)
      pg.types.setTypeParser(TIMESTAMPTZ, timestamptz)
      await store.close()
      await pool.end()
    }
  })

  it('runs on a single pg.Client and prepares each hot statement once on it', async () => {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    const store = new PgStore({
      db: drizzle({ client }),
      table: db.table,
      createTable: true,
      prune: false,
      touchAfter: 0,
    })
    try {
      const sid = newSessionId()
      for (let i = 0; i < 3; i++) {
        await store.set(sid, { i })
        expect(await store.get(sid)).toEqual({ i })
        expect(await store.touch(sid)).toBe(true)
      }
      await store.destroy(sid)
      expect(await store.get(sid)).toBeNull()
      const { rows } = await client.query<{ name: string }>(
        `select name from pg_prepared_statements where name like 'pgstore\\_%' order by name`,
      )
      const ops = rows.map((r) => r.name.split('_')[1])
      expect(ops).toEqual(['destroy', 'get', 'set', 'touch'])
    } finally {
      await store.close()
      await client.end()
    }
  })

  it('passes a null user id and text with quotes and backslashes through untouched', async () => {
    const store = new PgStore({
      db: db.db,
      table: db.table,
      createTable: true,
      prune: false,
      userId: (d: { user?: string; note?: string }) => d.user,
    })
    try {
      const anonymous = newSessionId()
      const named = newSessionId()
      await store.set(anonymous, { note: `it's "quoted" \\ and $1` })
      await store.set(named, { user: 'u-42' })
      expect(await store.get(anonymous)).toEqual({ note: `it's "quoted" \\ and $1` })
      expect((await store.listByUser('u-42')).map((e) => e.data)).toEqual([{ user: 'u-42' }])
      const rows = await db.query(`select user_id from ${db.sessions} where id = $1`, [
        digestSessionId(anonymous),
      ])
      expect(rows).toEqual([{ user_id: null }])
    } finally {
      await store.close()
    }
  })
})
