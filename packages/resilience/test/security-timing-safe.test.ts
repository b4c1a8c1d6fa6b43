/**
 * Signature checks are timing-safe: unsignCookieValue compares MACs with crypto.timingSafeEqual, once per
 * configured secret whichever matches, and never with string equality.
 */
import * as crypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { newSessionId, signCookieValue, unsignCookieValue } from '@pgstore/core'
import { afterEach, expect, it, vi } from 'vitest'

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>()
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) }
})

const secrets = ['one-secret-0123456789abcdef-012345678', 'two-secret-0123456789abcdef-012345678']

afterEach(() => vi.mocked(crypto.timingSafeEqual).mockClear())

it('compares with timingSafeEqual against every secret, whether the first, the last or none matches', () => {
  for (const signed of [
    signCookieValue('pgsid', newSessionId(), secrets),
    signCookieValue('pgsid', newSessionId(), [secrets[1]!]),
    signCookieValue('pgsid', newSessionId(), ['not-a-configured-secret-0123456789ab']),
  ]) {
    vi.mocked(crypto.timingSafeEqual).mockClear()
    unsignCookieValue('pgsid', signed, secrets)
    expect(vi.mocked(crypto.timingSafeEqual)).toHaveBeenCalledTimes(secrets.length)
  }
})

it('has no string or buffer equality on the MAC in the codec source', () => {
  const source = readFileSync(fileURLToPath(new URL('../../core/src/signing.ts', import.meta.url)), 'utf8')
  const body = source.slice(source.indexOf('export function unsignCookieValue'))
  expect(body).toContain('timingSafeEqual(')
  expect(body).not.toMatch(/mac\([^)]*\)\s*(===|==|!==)|\.equals\(/)
})
