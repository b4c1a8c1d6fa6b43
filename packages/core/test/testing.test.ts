/**
 * `@pgstore/core/testing`: createTestStore is a real store on in-memory PGlite, a database per call, with
 * every store option passed through. The README's example runs as written: it is readme-testing.test.ts,
 * which this file checks is the README block, character for character.
 */
import { readFileSync } from 'node:fs'
import { isPgStoreError, newSessionId, pgSessionTable } from '@pgstore/core'
import { createTestStore } from '@pgstore/core/testing'
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'

const KEY = 'an-encryption-key-of-at-least-32-chars'

describe('createTestStore', () => {
  it('is what the README shows', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const example = readFileSync(new URL('./readme-testing.test.ts', import.meta.url), 'utf8')
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``)
  })

  it('gives each call a database of its own, its table created', async () => {
    const a = await createTestStore()
    const b = await createTestStore()
    const sid = newSessionId()
    await a.store.set(sid, { n: 1 })
    expect(await a.store.get(sid)).toEqual({ n: 1 })
    expect(await b.store.get(sid)).toBeNull()
    const rows = await a.db.execute(sql`select count(*)::int as n from public.http_sessions`)
    expect(rows.rows).toEqual([{ n: 1 }])
    await a.close()
    await b.close()
  })

  it('passes the store options through: table, maxBytes, encryption', async () => {
    const table = pgSessionTable('app_sessions', { schema: 'auth' })
    const t = await createTestStore({ table, maxBytes: 200, encryption: { keys: [KEY] } })
    const sid = newSessionId()
    await t.store.set(sid, { secret: 'kept-sealed' })
    const { rows } = await t.db.execute<{ data: unknown }>(sql`select data from auth.app_sessions`)
    expect(JSON.stringify(rows)).not.toContain('kept-sealed')
    expect(await t.store.get(sid)).toEqual({ secret: 'kept-sealed' })
    const big = await t.store.set(sid, { pad: 'x'.repeat(300) }).catch((e: unknown) => e)
    expect(isPgStoreError(big, 'SESSION_TOO_LARGE')).toBe(true)
    await t.close()
  })

  it('refuses invalid options as the store does', async () => {
    const err = await createTestStore({ ttl: -1 }).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
  })

  it('close() ends the store', async () => {
    const t = await createTestStore()
    await t.close()
    expect(isPgStoreError(await t.store.get(newSessionId()).catch((e: unknown) => e), 'CLOSED')).toBe(true)
  })
})
