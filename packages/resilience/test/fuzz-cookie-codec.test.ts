/**
 * The cookie codec (@pgstore/core's signCookieValue / unsignCookieValue), property-based, 10,000+ cases a
 * surface: random bytes, 100 KB values, any unicode, `s:` prefix tricks, one-character tampering, and the
 * signature of another secret. unsign never throws and accepts only the exact string it signed.
 */
import { signCookieValue, unsignCookieValue } from '@pgstore/core'
import fc from 'fast-check'
import { afterAll, expect, it } from 'vitest'
import { hostileString } from '../src/arbitraries'
import { record } from '../src/figures'

const RUNS = 10_000
const NAME = 'pgsid'
const secrets = ['a-secret-that-is-long-enough-000001']
const other = ['another-secret-long-enough-0000002']
const cases: Record<string, number> = {}

afterAll(() => record('fuzz-cookie-codec', cases))

const safeUnsign = (value: unknown, list = secrets) => {
  try {
    return unsignCookieValue(NAME, value, list)
  } catch (err) {
    throw new Error(`unsignCookieValue threw: ${(err as Error).name}`)
  }
}

it('random bytes, as latin1, utf8 and base64url: never throws, never accepts', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom('latin1', 'utf8', 'base64url'),
      (bytes, enc) => {
        expect(safeUnsign(Buffer.from(bytes).toString(enc as BufferEncoding))).toBeNull()
      },
    ),
    { numRuns: RUNS },
  )
  cases.randomBytes = RUNS
})

it('any unicode, and any non-string input: never throws, never accepts', () => {
  fc.assert(
    fc.property(fc.oneof(hostileString(120), fc.anything()), (value) => {
      expect(safeUnsign(value)).toBeNull()
    }),
    { numRuns: RUNS },
  )
  cases.unicodeAndAnything = RUNS
})

it('100 KB values, signed or not: refused without work', () => {
  const big = fc
    .tuple(fc.integer({ min: 4_097, max: 100_000 }), fc.constantFrom('a', '.', '日', '🙂'))
    .map(([n, ch]) => ch.repeat(n))
  fc.assert(
    fc.property(big, fc.boolean(), (value, signIt) => {
      expect(safeUnsign(signIt ? signCookieValue(NAME, value, secrets) : value)).toBeNull()
    }),
    { numRuns: 1_000 },
  )
  // 100 KB exactly, the size the issue names.
  expect(safeUnsign(signCookieValue(NAME, 'x'.repeat(100 * 1024), secrets))).toBeNull()
  cases.hundredKilobyteValues = 1_001
})

it('round-trips what it signed; the same value under another secret is refused', () => {
  fc.assert(
    // An empty value is never accepted (nothing precedes the dot), so values are non-empty here.
    fc.property(
      hostileString(80).filter((v) => v.length > 0),
      (value) => {
        const signed = signCookieValue(NAME, value, secrets)
        expect(safeUnsign(signed)).toBe(value)
        expect(safeUnsign(signCookieValue(NAME, value, other))).toBeNull()
        expect(safeUnsign(signed, other)).toBeNull()
      },
    ),
    { numRuns: RUNS },
  )
  cases.roundTripAndOtherSecret = RUNS
})

it('any one-character change to a signed value is refused (no alternative encodings)', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=.s:'
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 }),
      fc.nat(),
      fc.constantFrom(...alphabet),
      (value, at, ch) => {
        const signed = signCookieValue(NAME, value, secrets)
        const i = at % signed.length
        const tampered = signed.slice(0, i) + ch + signed.slice(i + 1)
        if (tampered === signed) return
        expect(safeUnsign(tampered)).toBeNull()
      },
    ),
    { numRuns: RUNS },
  )
  cases.oneCharacterTamper = RUNS
})

it('prefix and suffix tricks around a valid signature are refused', () => {
  const trick = fc.constantFrom(
    (s: string) => `s:${s}`,
    (s: string) => `s:s:${s}`,
    (s: string) => ` ${s}`,
    (s: string) => `${s} `,
    (s: string) => `${s}.`,
    (s: string) => `${s}=`,
    (s: string) => `${s}==`,
    (s: string) => encodeURIComponent(`s:${s}`),
    (s: string) => `${s.slice(0, s.lastIndexOf('.'))}.${s}`,
    (s: string) => `${s};${s}`,
    (s: string) => `${s},${s}`,
  )
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 }), trick, (value, wrap) => {
      const wrapped = wrap(signCookieValue(NAME, value, secrets))
      const got = safeUnsign(wrapped)
      // A wrapper can only be accepted as a value it really signed, which would need the secret.
      expect(got === null || signCookieValue(NAME, got, secrets) === wrapped).toBe(true)
    }),
    { numRuns: RUNS },
  )
  cases.prefixTricks = RUNS
})
