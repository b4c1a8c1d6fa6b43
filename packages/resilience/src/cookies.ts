/**
 * Hostile Cookie headers for the adapter fuzz suites. Each case is built around one real, valid session
 * cookie, so a test can tell "a fresh session" (what every bad cookie must give) from "the real session"
 * (what only the exact valid cookie may give).
 *
 * @example
 * ```ts
 * const cases = fc.sample(cookieHeaders({ name: 'connect.sid', valid, forge }), 10_000)
 * ```
 */
import fc from 'fast-check'

export interface CookieCase {
  kind: string
  header: string
  /** True when the header carries the valid cookie unchanged, so the real session may load. */
  mayLoad: boolean
}

/** Characters an HTTP client can put in a header value (latin1, no CR/LF/NUL). */
const headerChar = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c))
const headerText = (max: number) => fc.string({ unit: headerChar, maxLength: max })
/** Unicode as browsers send it: UTF-8 bytes, read as latin1. */
const utf8Text = fc
  .string({ unit: 'binary', maxLength: 40 })
  .map((s) => Buffer.from(s, 'utf8').toString('latin1'))
  .filter((s) => !/[\r\n\0\x7f]/.test(s) && [...s].every((c) => c.charCodeAt(0) >= 0x20))

export interface CookieCaseOptions {
  /** The session cookie's name. */
  name: string
  /** The valid cookie pairs (`name=value`, possibly several, e.g. a Koa signature cookie). */
  valid: string[]
  /** Signs a value the framework's way under a secret the app does not have. */
  forgeWithOtherSecret(value: string): string[]
  /** The session id inside the valid cookie. */
  sid: string
}

export function cookieHeaders(o: CookieCaseOptions): fc.Arbitrary<CookieCase> {
  const n = o.name
  const bad = (kind: string, header: fc.Arbitrary<string>) =>
    header.map((h) => ({ kind, header: h, mayLoad: false }))
  const validValue = o.valid[0]!.slice(o.valid[0]!.indexOf('=') + 1)
  return fc.oneof(
    bad('random header', headerText(200)),
    bad(
      'random value',
      headerText(120).map((v) => `${n}=${v}`),
    ),
    bad(
      'unicode value',
      utf8Text.map((v) => `${n}=${v}`),
    ),
    bad(
      'percent-encoded unicode',
      fc.string({ unit: 'binary', maxLength: 40 }).map((v) => `${n}=${encodeURIComponent(v)}`),
    ),
    bad(
      's: prefix trick',
      headerText(60).map((v) => `${n}=s:${v}.${v}`),
    ),
    bad(
      's: around the valid id',
      fc.constantFrom(
        `${n}=s:${o.sid}`,
        `${n}=s:s:${validValue}`,
        `${n}=${o.sid}`,
        `${n}=${encodeURIComponent(`s:${o.sid}.`)}`,
      ),
    ),
    bad('signed with another secret', fc.constant(o.forgeWithOtherSecret(o.sid).join('; '))),
    fc.tuple(fc.nat(), headerChar).map(([at, ch]) => {
      const i = at % validValue.length
      let changed = validValue.slice(0, i) + ch + validValue.slice(i + 1)
      if (changed === validValue) changed = `${changed}x`
      return {
        kind: 'one character of the valid cookie changed',
        header: [`${n}=${changed}`, ...o.valid.slice(1)].join('; '),
        // A change that only flips the case of a percent-escape (`%2B` to `%2b`) decodes to the same
        // cookie, which rightly loads the real session.
        mayLoad: sameDecoded(changed, validValue),
      }
    }),
    bad(
      'oversized value',
      fc.integer({ min: 4_097, max: 12_000 }).map((len) => `${n}=${'a'.repeat(len)}`),
    ),
    fc.constantFrom(
      { kind: '100 KB value', header: `${n}=${'a'.repeat(100 * 1024)}`, mayLoad: false },
      { kind: 'duplicate: bad first', header: `${n}=garbage; ${o.valid.join('; ')}`, mayLoad: true },
      { kind: 'duplicate: valid first', header: `${o.valid.join('; ')}; ${n}=garbage`, mayLoad: true },
      { kind: 'valid', header: o.valid.join('; '), mayLoad: true },
    ),
  )
}

function sameDecoded(a: string, b: string): boolean {
  try {
    return decodeURIComponent(a) === decodeURIComponent(b)
  } catch {
    return false
  }
}
