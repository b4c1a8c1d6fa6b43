import {
  assertSecrets,
  isPgStoreError,
  isSessionId,
  newSessionId,
  PgStoreError,
  signCookieValue,
  unsignCookieValue,
} from '@pgstore/core'
import { describe, expect, it } from 'vitest'

const A = 'a'.repeat(32)
const B = 'b'.repeat(40)

describe('cookie codec', () => {
  it('makes 256-bit base64url ids that do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, newSessionId))
    expect(ids.size).toBe(10_000)
    for (const id of ids) {
      expect(isSessionId(id)).toBe(true)
      expect(Buffer.from(id, 'base64url')).toHaveLength(32)
    }
  })

  it('signs with the first secret and verifies with any in the list', () => {
    const signed = signCookieValue('pgsid', 'value', [A, B])
    expect(unsignCookieValue('pgsid', signed, [A])).toBe('value')
    expect(unsignCookieValue('pgsid', signed, [B, A])).toBe('value')
    expect(unsignCookieValue('pgsid', signed, [B])).toBeNull()
  })

  it('treats tampered, truncated, oversized and odd values as no session, never throwing', () => {
    const signed = signCookieValue('pgsid', newSessionId(), [A])
    const flipped = signed.slice(0, 5) + (signed[5] === 'x' ? 'y' : 'x') + signed.slice(6)
    for (const bad of [
      flipped,
      signed.slice(0, -1),
      `${signed}x`,
      signed.replace('.', ''),
      '',
      '.',
      `s:${signed}`,
      'x'.repeat(100_000),
      undefined,
      null,
      42,
      {},
    ]) {
      expect(unsignCookieValue('pgsid', bad, [A])).toBeNull()
    }
  })

  it('wants secrets of at least 32 characters', () => {
    expect(assertSecrets(A)).toEqual([A])
    for (const bad of [[], ['short'], '', [A, 'short']]) {
      const err = (() => {
        try {
          assertSecrets(bad as string[])
        } catch (e) {
          return e
        }
      })()
      expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
      expect((err as Error).message).not.toContain('short')
    }
  })
})

describe('PgStoreError', () => {
  it('is recognised by name and code, across module copies', () => {
    const err = new PgStoreError('TIMEOUT', 'x')
    expect(isPgStoreError(err)).toBe(true)
    expect(isPgStoreError(err, 'TIMEOUT')).toBe(true)
    expect(isPgStoreError(err, 'CLOSED')).toBe(false)
    expect(isPgStoreError({ name: 'PgStoreError', code: 'TIMEOUT' }, 'TIMEOUT')).toBe(true)
    expect(isPgStoreError(new Error('x'))).toBe(false)
  })

  it('carries the HTTP status frameworks answer with, and is never exposed to clients', () => {
    expect(new PgStoreError('DB_UNAVAILABLE', 'x').status).toBe(503)
    expect(new PgStoreError('TIMEOUT', 'x').status).toBe(503)
    expect(new PgStoreError('SESSION_TOO_LARGE', 'x').status).toBe(413)
    expect(new PgStoreError('QUERY_FAILED', 'x').status).toBe(500)
    expect(new PgStoreError('TIMEOUT', 'x').expose).toBe(false)
  })
})
