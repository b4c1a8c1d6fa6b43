/**
 * The wire format of cache coherence, in one place: the channel a table's writes are announced on and
 * the NOTIFY payloads, `<instance>:<digest>[,<digest>...]`, or `<instance>:*` for "everything".
 *
 * @example
 * ```ts
 * noticePayloads('a1b2', ['d1', 'd2'])       // ['a1b2:d1,d2']
 * parseNotice('a1b2:d1,d2', 'ffff')          // { digests: ['d1', 'd2'] }
 * parseNotice('a1b2:*', 'a1b2')              // undefined: our own
 * ```
 */
import { tableTag } from '../sql/names'

/** Where a cached store announces its writes. */
export interface WriteNotice {
  channel: string
  /** This process's instance tag: its own announcements are ignored by its listener. */
  instance: string
}

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7_900
/** The digest list that means every session. */
export const EVERYTHING = '*'

/** The LISTEN/NOTIFY channel of a table. */
export function cacheChannel(qualifiedName: string): string {
  return `pgstore_${tableTag(qualifiedName)}`
}

/** What precedes the digests in a payload of `instance`. */
export function noticePrefix(instance: string): string {
  return `${instance}:`
}

/** The NOTIFY payloads announcing `digests`, each under PostgreSQL's limit. */
export function noticePayloads(instance: string, digests: Iterable<string>): string[] {
  const payloads: string[] = []
  let current = ''
  for (const digest of digests) {
    if (current && current.length + 1 + digest.length > MAX_PAYLOAD) {
      payloads.push(current)
      current = ''
    }
    current = current ? `${current},${digest}` : `${noticePrefix(instance)}${digest}`
  }
  if (current) payloads.push(current)
  return payloads
}

/** What a payload asks of the cache, or undefined for our own (or a malformed) payload. */
export type Notice = { everything: true } | { everything?: false; digests: string[] }

export function parseNotice(payload: string, self: string): Notice | undefined {
  const at = payload.indexOf(':')
  if (at < 0 || payload.slice(0, at) === self) return undefined
  const digests = payload.slice(at + 1)
  return digests === EVERYTHING ? { everything: true } : { digests: digests.split(',') }
}
