/** openDatabase on each of its three targets, with a real query on each. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../src/database'

const DATABASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

async function answer(database: ReturnType<typeof openDatabase>): Promise<number> {
  const result = (await database.db.execute(sql`select 41 + 1 as n`)) as unknown as {
    rows: Array<{ n: number }>
  }
  return Number(result.rows[0]!.n)
}

describe('openDatabase', () => {
  it('uses PostgreSQL when DATABASE_URL is set, and its label never holds the URL', async () => {
    const database = openDatabase({ DATABASE_URL })
    try {
      expect(database.label).toBe('PostgreSQL (DATABASE_URL)')
      expect(
        await answer(database).catch((err) => {
          throw new Error(`PostgreSQL at ${DATABASE_URL} is not reachable; start it or set DATABASE_URL`, {
            cause: err,
          })
        }),
      ).toBe(42)
    } finally {
      await database.close()
    }
  })

  it('uses PGlite in memory with PGLITE_DIR=memory', async () => {
    const database = openDatabase({ PGLITE_DIR: 'memory' })
    expect(database.label).toBe('PGlite (in memory)')
    expect(await answer(database)).toBe(42)
    await database.close()
  })

  it('keeps PGlite data in PGLITE_DIR across opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgstore-example-'))
    try {
      const first = openDatabase({ PGLITE_DIR: dir })
      expect(first.label).toBe(`PGlite (${dir})`)
      await first.db.execute(sql`create table kept (n int)`)
      await first.db.execute(sql`insert into kept values (7)`)
      await first.close()
      const second = openDatabase({ PGLITE_DIR: dir })
      const rows = (await second.db.execute(sql`select n from kept`)) as unknown as { rows: unknown[] }
      expect(rows.rows).toEqual([{ n: 7 }])
      await second.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
