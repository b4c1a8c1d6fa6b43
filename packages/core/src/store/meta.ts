/**
 * The one rule for request metadata (see {@link SessionMeta}): which fields are kept and how each is
 * bounded. Adapters hand over what their framework reports (`req.ip`, the `User-Agent` header) as it is;
 * the store cleans it on the way in, and again on the way out (a row written by other code gets the same
 * treatment).
 *
 * @example
 * ```ts
 * cleanSessionMeta({ ip: '203.0.113.7', userAgent: 'curl/8\u0000', extra: 1 }) // { ip: '203.0.113.7', userAgent: 'curl/8' }
 * cleanSessionMeta({ userAgent: '' }) // null
 * ```
 */
import type { SessionMeta } from './types'

/** Longest string kept per field, in UTF-16 code units; longer ones are cut. */
export const MAX_META_LENGTH = 256

/**
 * Control and format characters (C0, DEL, C1, bidi overrides, zero-width characters) and lone surrogates:
 * invisible or misleading in a device list, and PostgreSQL's jsonb refuses `\u0000` and lone surrogates.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}]/gu

const FIELDS = ['ip', 'userAgent'] as const

/** The fields of `input` a store keeps, each cut to {@link MAX_META_LENGTH} and cleaned; null when none is left. */
export function cleanSessionMeta(input: unknown): SessionMeta | null {
  if (typeof input !== 'object' || input === null) return null
  const meta: SessionMeta = {}
  let kept = false
  for (const field of FIELDS) {
    const value = (input as Record<string, unknown>)[field]
    if (typeof value !== 'string') continue
    // Cut first, so a hostile header costs at most MAX_META_LENGTH characters of work; a surrogate pair
    // split by the cut leaves a lone half, which the cleaning drops.
    const text = value.slice(0, MAX_META_LENGTH).replace(UNPRINTABLE, '').trim()
    if (text === '') continue
    meta[field] = text
    kept = true
  }
  return kept ? meta : null
}
