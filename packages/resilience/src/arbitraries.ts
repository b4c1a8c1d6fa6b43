/**
 * fast-check arbitraries shared by the fuzz suites: hostile strings (every code point, lone surrogates,
 * NUL), JSON-shaped session data built from them, and values JSON cannot carry.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(sessionData(), (data) => { serializeSession(data, 65_536) }), { numRuns: 10_000 })
 * ```
 */
import fc from 'fast-check'

/** One UTF-16 unit or code point: any code point, plus lone surrogates, which JSON.stringify escapes. */
export const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 8 },
  { arbitrary: fc.constantFrom('\u0000', '\\', '"', "'", ';', '\u2028', '\ufeff'), weight: 1 },
  { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), weight: 1 },
)

export const hostileString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({ unit: hostileUnit, maxLength })

/** Session data: a JSON object whose keys and strings use every code point. */
export const sessionData = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.dictionary(
    hostileString(12),
    fc.jsonValue({ maxDepth: 4, stringUnit: hostileUnit }) as fc.Arbitrary<unknown>,
    { maxKeys: 6 },
  )

/** Data that only holds well-formed text without NUL: what PostgreSQL's jsonb can store. */
export const storableData = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.dictionary(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.jsonValue({ maxDepth: 4, stringUnit: 'grapheme' }) as fc.Arbitrary<unknown>,
    { maxKeys: 6 },
  )

function deep(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true }
  for (let i = 0; i < levels; i++) value = { child: value }
  return value
}

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { a: 1 }
  value.self = { back: value }
  return value
}

/** A value JSON cannot carry faithfully, or that cannot be read at all. */
export const poison: fc.Arbitrary<unknown> = fc.oneof(
  fc.bigInt().map((b) => b),
  fc.constant(() => 1),
  fc.string().map((s) => Symbol(s)),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(new Map([[1, 2]])),
  fc.constant(new Set([1])),
  fc.integer({ min: 65, max: 10_000 }).map(deep),
  fc.constant(null).map(circular),
  fc.constant(null).map(() => ({
    get boom(): never {
      throw new Error('getter throws')
    },
  })),
  fc.constant(null).map(() => ({
    toJSON(): never {
      throw new Error('toJSON throws')
    },
  })),
)

/** Puts `bad` somewhere inside `data`, at a random depth. */
export const poisoned: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(storableData(), poison, fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 5 }))
  .map(([data, bad, path]) => {
    const root: Record<string, unknown> = { ...data }
    let at = root
    for (const key of path) {
      const next: Record<string, unknown> = {}
      at[key] = next
      at = next
    }
    at.poison = bad
    return root
  })
