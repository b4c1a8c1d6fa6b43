/**
 * Session data between the app and the row: serialised and size-checked before anything is written,
 * sealed with AES-256-GCM when `encryption` is on, and opened again on the way back. A sealed row is a
 * JSON string (`"..."`); a plaintext row is a JSON object.
 *
 * @example
 * ```ts
 * const codec = new RowCodec(65_536, options.encryption)
 * const json = codec.serialize(data)     // throws NOT_SERIALIZABLE or SESSION_TOO_LARGE
 * const stored = codec.seal(json, digest) // what the row holds
 * codec.plaintext(stored, digest)         // json again
 * ```
 */
import type { CachedSession } from '../cache/lru'
import { DataCipher, type EncryptionOptions } from '../crypto'
import { PgStoreError } from '../errors'
import type { StoredEntry } from '../sql/admin'
import { cleanSessionMeta } from './meta'
import { serializeSession } from './serialize'
import type { SessionEntry, SessionRecord } from './types'

export class RowCodec {
  readonly #maxBytes: number
  readonly #cipher: DataCipher | undefined
  readonly #acceptPlaintext: boolean

  constructor(maxBytes: number, encryption: EncryptionOptions | undefined) {
    this.#maxBytes = maxBytes
    this.#cipher = encryption ? new DataCipher(encryption) : undefined
    this.#acceptPlaintext = !encryption || encryption.acceptPlaintext === true
  }

  /**
   * The session's JSON and what the row stores for it.
   * @throws PgStoreError `NOT_SERIALIZABLE`, `SESSION_TOO_LARGE`
   */
  serialize(data: unknown): string {
    return serializeSession(data, this.#maxBytes)
  }

  /** What the row stores for the session JSON `json` of `digest`. */
  seal(json: string, digest: string): string {
    return this.#cipher ? JSON.stringify(this.#cipher.seal(json, digest)) : json
  }

  /** The session data of a stored row. */
  parse<T>(text: string, digest: string): T {
    return parseData(this.plaintext(text, digest)) as T
  }

  /** What `getRecord` answers for a read or cached row. */
  record<T extends object>(entry: CachedSession): SessionRecord<T> {
    const data = parseData(entry.json) as T
    return { data, expiresAt: new Date(entry.expiresAt), updatedAt: new Date(entry.updatedAt) }
  }

  /**
   * What the list methods answer for listed rows; `current` is for the caller to flag. `meta` is cleaned
   * again, as a row written by other code may hold anything there.
   */
  entries<T extends object>(rows: StoredEntry[]): SessionEntry<T>[] {
    return rows.map((r) => ({
      ...r,
      data: this.parse<T>(r.data, r.digest),
      meta: cleanSessionMeta(r.meta),
      current: false,
    }))
  }

  /** The session JSON as the app wrote it: stored text, decrypted when it was encrypted. */
  plaintext(text: string, digest: string): string {
    if (!text.startsWith('"')) {
      // With encryption on, whoever can write the table could otherwise rewrite a session without the key.
      // While migrating, rows written before encryption was turned on read; their next write seals them.
      if (this.#acceptPlaintext) return text
      throw new PgStoreError(
        'DECRYPTION_FAILED',
        'pgstore: a stored session is not encrypted, and with encryption on plaintext rows are refused. ' +
          'While moving a table to encryption set encryption.acceptPlaintext: true; each row is sealed on its next write.',
      )
    }
    const value = JSON.parse(text) as string
    if (!this.#cipher) {
      throw new PgStoreError(
        'DECRYPTION_FAILED',
        'pgstore: stored session data is encrypted but no encryption keys are configured.',
      )
    }
    return this.#cipher.open(value, digest)
  }
}

/**
 * Session JSON as data. A `__proto__` key is dropped: JSON.parse keeps it as an own property, and a
 * framework that copies keys onto its session object (koa-session does) would replace that object's
 * prototype. The reviver runs only when the text holds such a key, so the common parse stays fast.
 */
function parseData(json: string): unknown {
  return json.includes('"__proto__"') ? JSON.parse(json, dropProtoKeys) : JSON.parse(json)
}

function dropProtoKeys(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value
}
