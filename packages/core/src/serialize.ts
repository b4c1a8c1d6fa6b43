/**
 * Session data is stored as JSON (jsonb). JSON.stringify drops functions and symbols silently and loses
 * BigInt and cycles with a bare TypeError; a session store must not lose data quietly, so values JSON cannot
 * carry are refused with a typed error before anything is written.
 *
 * What round-trips: strings (any unicode), finite numbers, booleans, null, arrays and plain objects. A Date
 * comes back as its ISO string (as with every JSON store). `undefined` properties are dropped, as in JSON.
 */
import { PgStoreError } from './errors'

/** Deeper objects are refused: PostgreSQL's jsonb parser and every reader after it recurse on depth. */
export const MAX_DEPTH = 64

function refuse(what: string): never {
  throw new PgStoreError(
    'NOT_SERIALIZABLE',
    `pgstore: session data holds ${what}, which JSON cannot store. Store plain JSON values (convert it first).`,
  )
}

/** Walks the value without recursion, so a 10,000-level object is refused instead of overflowing the stack. */
function check(root: unknown): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }]
  const seen = new Set<object>()
  const onPath: object[] = []
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!
    while (onPath.length > depth) seen.delete(onPath.pop()!)
    const type = typeof value
    if (type === 'string' || type === 'boolean' || type === 'undefined') continue
    if (type === 'number') {
      if (!Number.isFinite(value)) refuse('a non-finite number')
      continue
    }
    if (type === 'bigint' || type === 'function' || type === 'symbol') refuse(`a ${type}`)
    if (value === null) continue
    let obj = value as object
    if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
      const json = (obj as { toJSON(): unknown }).toJSON()
      if (typeof json !== 'object' || json === null) {
        stack.push({ value: json, depth })
        continue
      }
      obj = json
    }
    if (obj instanceof Map || obj instanceof Set) refuse('a Map or Set (JSON stores it as {})')
    if (seen.has(obj)) refuse('a circular reference')
    if (depth >= MAX_DEPTH) refuse(`objects nested deeper than ${MAX_DEPTH} levels`)
    seen.add(obj)
    onPath.push(obj)
    const children = Array.isArray(obj) ? obj : Object.values(obj)
    for (const child of children) stack.push({ value: child, depth: depth + 1 })
  }
}

/**
 * Serialises session data, refusing what JSON would silently drop or corrupt, and data over `maxBytes`.
 * @throws PgStoreError `NOT_SERIALIZABLE` or `SESSION_TOO_LARGE`
 */
export function serializeSession(data: unknown, maxBytes: number): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) refuse('a non-object at its root')
  check(data)
  const json = JSON.stringify(data)
  // UTF-8 is at most 3 bytes per UTF-16 unit, so the exact count is only needed near the limit.
  if (json.length * 3 > maxBytes && Buffer.byteLength(json) > maxBytes) {
    throw new PgStoreError(
      'SESSION_TOO_LARGE',
      `pgstore: session data is ${Buffer.byteLength(json)} bytes, over maxBytes (${maxBytes}). Store less in the session, or raise maxBytes.`,
    )
  }
  return json
}
