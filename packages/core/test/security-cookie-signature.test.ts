/**
 * A signature has exactly one accepted spelling. Node's base64url decoder ignores the spare low bits of
 * the last character and also reads '+' and '/', so before this check several cookie strings verified as
 * the same signature.
 */
import { signCookieValue, unsignCookieValue } from '@pgstore/core'
import { expect, it } from 'vitest'

const secrets = ['s'.repeat(32)]
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/'

it('refuses every other spelling of a valid signature', () => {
  for (const value of ['abc', 'a-session-id-000000000000000000000000000000', 'Zoë']) {
    const signed = signCookieValue('pgsid', value, secrets)
    expect(unsignCookieValue('pgsid', signed, secrets)).toBe(value)
    const dot = signed.lastIndexOf('.')
    const accepted: string[] = []
    for (let i = dot + 1; i < signed.length; i++) {
      for (const ch of alphabet) {
        const variant = signed.slice(0, i) + ch + signed.slice(i + 1)
        if (variant !== signed && unsignCookieValue('pgsid', variant, secrets) !== null)
          accepted.push(variant)
      }
    }
    expect(accepted).toEqual([])
  }
})
