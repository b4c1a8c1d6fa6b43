/**
 * Data PostgreSQL's jsonb cannot store (NUL, unpaired surrogates) and data that throws while being read
 * (a getter, a toJSON) are refused with NOT_SERIALIZABLE before any write, instead of failing in the
 * database as QUERY_FAILED or escaping as a bare Error. Text that merely looks like an escape still stores.
 */
import { isPgStoreError, newSessionId, PgStore, serializeSession } from '@pgstore/core'
import { createTestDatabase, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const refused = (data: unknown) => {
  try {
    serializeSession(data, 65_536)
    return 'accepted'
  } catch (err) {
    return isPgStoreError(err) ? err.code : 'untyped'
  }
}

describe('serializeSession', () => {
  it.each([
    ['a NUL in a value', { a: 'x\u0000y' }],
    ['a NUL in a key', { 'k\u0000': 1 }],
    ['a lone high surrogate', { a: '\ud800' }],
    ['a lone low surrogate', { a: 'x\udfff' }],
    ['a literal backslash before a NUL', { a: '\\\u0000' }],
    [
      'a throwing getter',
      {
        get a(): never {
          throw new Error('nope')
        },
      },
    ],
    [
      'a throwing toJSON',
      {
        a: {
          toJSON(): never {
            throw new Error('nope')
          },
        },
      },
    ],
  ])('refuses %s with NOT_SERIALIZABLE', (_, data) => {
    expect(refused(data)).toBe('NOT_SERIALIZABLE')
  })

  it.each([
    ['escape-looking text', { a: '\\u0000 and \\ud800' }],
    ['an emoji (a surrogate pair)', { a: '🙂 Zoë 日本' }],
    ['control characters other than NUL', { a: '\u0001\u001f\t\n' }],
  ])('accepts %s', (_, data) => {
    expect(refused(data)).toBe('accepted')
  })
})

describe('on PostgreSQL', () => {
  let db: TestDatabase
  let store: PgStore
  beforeAll(async () => {
    db = await createTestDatabase('pg')
    store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
  })
  afterAll(async () => {
    await store?.close()
    await db?.close()
  })

  it('refuses a NUL before writing and keeps the row; stores escape-looking text exactly', async () => {
    const sid = newSessionId()
    await store.set(sid, { keep: 1 })
    const err = await store.set(sid, { bad: '\u0000' }).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'NOT_SERIALIZABLE')).toBe(true)
    expect(await store.get(sid)).toEqual({ keep: 1 })
    await store.set(sid, { text: '\\u0000 \\ud800 🙂' })
    expect(await store.get(sid)).toEqual({ text: '\\u0000 \\ud800 🙂' })
  })
})
