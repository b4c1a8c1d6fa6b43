/**
 * Session data is stored as JSON (jsonb). JSON.stringify drops functions and symbols silently and loses
 * BigInt and cycles with a bare TypeError; a session store must not lose data quietly, so values JSON cannot
 * carry are refused with a typed error before anything is written.
 *
 * What round-trips: strings (any unicode), finite numbers, booleans, null, arrays and plain objects. A Date
 * comes back as its ISO string (as with every JSON store). `undefined` properties are dropped, as in JSON.
 * Strings holding NUL or an unpaired surrogate are refused too: jsonb cannot store them.
 */
import { isPgStoreError, PgStoreError } from '../errors'

/**
 * PostgreSQL's jsonb refuses `\u0000` and unpaired surrogates, which JSON.stringify writes as `\u` escapes
 * (paired surrogates it writes as raw characters). An escape counts only after an even run of backslashes.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/i

/** Deeper objects are refused: PostgreSQL's jsonb parser and every reader after it recurse on depth. */
export const MAX_DEPTH = 64

function refuse(what: string): never {
  throw new PgStoreError(
    'NOT_SERIALIZABLE',
    `pgstore: session data holds ${what}, which JSON cannot store. Store plain JSON values (convert it first).`,
  )
}

/**
 * Refuses what JSON.stringify would drop or corrupt. Recursive, but never deeper than MAX_DEPTH: a
 * 10,000-level object is refused at level 64 instead of overflowing the stack. `path` holds the objects from
 * the root down to this one, for cycles; sessions are shallow, so a linear scan beats a Set.
 */
function check(value: unknown, depth: number, path: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return
    case 'number':
      if (!Number.isFinite(value)) refuse('a non-finite number')
      return
    case 'object':
      break
    default:
      refuse(`a ${typeof value}`)
  }
  if (value === null) return
  let obj = value as object
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    // JSON.stringify calls toJSON once and serialises what it returns as it is.
    const json = (obj as { toJSON(): unknown }).toJSON()
    if (typeof json !== 'object' || json === null) {
      check(json, depth, path)
      return
    }
    obj = json
  }
  if (obj instanceof Map || obj instanceof Set) refuse('a Map or Set (JSON stores it as {})')
  if (path.includes(obj)) refuse('a circular reference')
  if (depth >= MAX_DEPTH) refuse(`objects nested deeper than ${MAX_DEPTH} levels`)
  path.push(obj)
  const children = Array.isArray(obj) ? obj : Object.values(obj)
  for (let i = 0; i < children.length; i++) check(children[i], depth + 1, path)
  path.pop()
}

/**
 * Serialises session data, refusing what JSON would silently drop or corrupt, and data over `maxBytes`.
 * @throws PgStoreError `NOT_SERIALIZABLE` or `SESSION_TOO_LARGE`
 */
export function serializeSession(data: unknown, maxBytes: number): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) refuse('a non-object at its root')
  let json: string
  try {
    check(data, 0, [])
    json = JSON.stringify(data)
  } catch (err) {
    if (isPgStoreError(err)) throw err
    throw new PgStoreError(
      'NOT_SERIALIZABLE',
      'pgstore: reading the session data threw (a getter or toJSON failed). Store plain JSON values.',
      { cause: err },
    )
  }
  if (json.includes('\\u') && UNSTORABLE_ESCAPE.test(json)) {
    throw new PgStoreError(
      'NOT_SERIALIZABLE',
      'pgstore: session data holds a NUL character or an unpaired UTF-16 surrogate, which PostgreSQL jsonb cannot store. Remove it, or encode the value (base64) first.',
    )
  }
  // UTF-8 is at most 3 bytes per UTF-16 unit, so the exact count is only needed near the limit.
  if (json.length * 3 > maxBytes && Buffer.byteLength(json) > maxBytes) {
    throw new PgStoreError(
      'SESSION_TOO_LARGE',
      `pgstore: session data is ${Buffer.byteLength(json)} bytes, over maxBytes (${maxBytes}). Store less in the session, or raise maxBytes.`,
    )
  }
  return json
}
