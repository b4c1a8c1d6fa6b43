import { isPgStoreError, PgStore } from '@pgstore/core'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgSession, sessionDefaults } from '../src/index'

const SECRET = 'hono-options-secret-0123456789-abcdefghij'
let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase('pglite')
})
afterAll(() => db?.close())

const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return isPgStoreError(err) ? err.code : err
  }
  return 'no error'
}

describe('pgSession options', () => {
  it('rejects a missing or short secret and bad cookie options at once, with INVALID_OPTIONS', () => {
    const store = { db: db.db, table: db.table }
    expect(codeOf(() => pgSession({ store, secrets: undefined }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => pgSession({ store, secrets: 'short' }))).toBe('INVALID_OPTIONS')
    expect(codeOf(() => pgSession({ store, secrets: SECRET, cookie: { path: '/; Domain=evil' } }))).toBe(
      'INVALID_OPTIONS',
    )
    expect(codeOf(() => pgSession({ store: 'postgres://' as never, secrets: SECRET }))).toBe(
      'INVALID_OPTIONS',
    )
  })

  it('closes a store it created, and leaves a store it was given open', async () => {
    const given = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    const borrowed = pgSession({ store: given, secrets: SECRET })
    expect(borrowed.store).toBe(given)
    await borrowed.close()
    expect(await given.length()).toBe(0)
    const owned = pgSession({ store: { db: db.db, table: db.table, prune: false }, secrets: SECRET })
    await owned.close()
    await expect(owned.store.length()).rejects.toMatchObject({ code: 'CLOSED' })
    await given.close()
  })

  it('sessionDefaults fills every default, lets what is given win and merges the cookie', () => {
    const before = process.env.NODE_ENV
    try {
      process.env.NODE_ENV = 'production'
      expect(sessionDefaults()).toEqual({
        cookieName: '__Host-pgsid',
        maxAge: 1_209_600,
        rolling: false,
        cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: true },
      })
      const given = sessionDefaults({ maxAge: 60, cookie: { sameSite: 'strict' } })
      expect(given.cookie).toEqual({ path: '/', httpOnly: true, sameSite: 'strict', secure: true })
      expect(given.maxAge).toBe(60)
      process.env.NODE_ENV = 'development'
      expect(sessionDefaults().cookieName).toBe('pgsid')
    } finally {
      if (before === undefined) delete process.env.NODE_ENV
      else process.env.NODE_ENV = before
    }
  })
})
