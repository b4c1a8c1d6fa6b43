/**
 * Every read and write of a session row, kept in step with the write clock (touchAfter) and the cache
 * (coherence). The facade resolves ids, wraps each call and connects; this layer decides what a read, a
 * write, a touch or a revocation does around its statement. Ids arrive here as digests only.
 */
import type { Coherence } from '../cache/coherence'
import { digestSessionId } from '../crypto'
import { PgStoreError } from '../errors'
import type { AdminStatements } from '../sql/admin'
import type { HotQueries } from '../sql/hot'
import { cleanSessionMeta } from './meta'
import type { RowCodec } from './row-codec'
import type { SessionEntry, SessionRecord } from './types'
import type { WriteClock } from './write-clock'

/** How a write meets an existing row (see {@link Rows.write}). */
export type WriteMode = 'upsert' | 'insert' | 'update'

export class Rows<TData extends object> {
  readonly #codec: RowCodec
  readonly #clock: WriteClock
  readonly #coherence: Coherence
  readonly #userId: ((data: TData) => string | number | null | undefined) | undefined

  constructor(
    codec: RowCodec,
    clock: WriteClock,
    coherence: Coherence,
    userId: ((data: TData) => string | number | null | undefined) | undefined,
  ) {
    this.#codec = codec
    this.#clock = clock
    this.#coherence = coherence
    this.#userId = userId
  }

  /** The cached record of `digest`, when the cache holds a fresh one. */
  cached(digest: string): SessionRecord<TData> | undefined {
    const hit = this.#coherence.hit(digest)
    if (!hit) return undefined
    this.#clock.remember(digest, hit.updatedAt)
    return this.#codec.record<TData>(hit)
  }

  async read(hot: HotQueries, digest: string): Promise<SessionRecord<TData> | null> {
    const ticket = this.#coherence.beginRead()
    const row = await hot.get(digest)
    if (!row) return null
    this.#clock.remember(digest, row.updatedAt)
    const json = this.#codec.plaintext(row.data, digest)
    const entry = { json, expiresAt: row.expiresAt, updatedAt: row.updatedAt, storedAt: Date.now() }
    this.#coherence.read(digest, ticket, entry)
    return this.#codec.record<TData>(entry)
  }

  /**
   * The session's JSON, checked before any connection is asked for.
   * @throws PgStoreError `NOT_SERIALIZABLE`, `SESSION_TOO_LARGE`
   */
  serialize(data: TData): string {
    return this.#codec.serialize(data)
  }

  /**
   * One write of the session `json` (of `data`), expiring at `expiresAt` (epoch ms): `upsert` creates or
   * replaces, `insert` only creates, `update` only rewrites a live row. False when it wrote nothing: for an
   * update, the row is gone (revoked or expired) and must stay gone; for an insert, the id is taken.
   * `meta` is the request's metadata for a new session, cleaned here; an update never writes it.
   */
  write(
    hot: HotQueries,
    mode: WriteMode,
    digest: string,
    data: TData,
    json: string,
    expiresAt: number,
    meta?: unknown,
  ): Promise<boolean> {
    const stored = this.#codec.seal(json, digest)
    const userId = this.#userOf(data)
    const until = new Date(expiresAt).toISOString()
    const cleaned = mode === 'update' ? null : cleanSessionMeta(meta)
    const metaJson = cleaned === null ? null : JSON.stringify(cleaned)
    let now = 0
    const run = async () => {
      const expiry =
        mode === 'update'
          ? await hot.update(digest, stored, userId, until)
          : await hot[mode](digest, stored, userId, until, metaJson)
      now = Date.now()
      if (expiry === undefined) this.#clock.forget(digest)
      else this.#clock.remember(digest, now)
      return expiry
    }
    const written = (expiry: number) => ({ json, expiresAt: expiry, updatedAt: now, storedAt: now })
    return this.#coherence.wrote(digest, run, written, hot.notify)
  }

  /** True when a touch to `expiresAt` can be skipped: the last write seen is within touchAfter. */
  throttled(digest: string, expiresAt: number): boolean {
    return this.#clock.throttled(digest, expiresAt)
  }

  /**
   * Moves the expiry of a live row, filling its user id from `data` when the row has none; true when one
   * moved.
   */
  async touch(hot: HotQueries, digest: string, expiresAt: number, data: TData | undefined): Promise<boolean> {
    const now = Date.now()
    const userId = data === undefined ? null : this.#userOf(data)
    const touch = () => hot.touch(digest, new Date(expiresAt).toISOString(), userId)
    const moved = await this.#coherence.touched(digest, touch, hot.notify)
    if (moved) this.#clock.remember(digest, now)
    else this.#clock.forget(digest)
    return moved
  }

  /** Deletes one row, for `destroy` and for a `set` whose expiry is already past. */
  remove(hot: HotQueries, digest: string): Promise<void> {
    this.#clock.forget(digest)
    return this.#coherence.removed(digest, () => hot.destroy(digest))
  }

  /** Live rows (of `userId`, when given), newest first; the entry of `current` (an id) is flagged. */
  async entries(admin: AdminStatements, userId?: string, current?: string): Promise<SessionEntry<TData>[]> {
    if (userId !== undefined) this.#assertUsers('listByUser')
    const entries = this.#codec.entries<TData>(await admin.entries(userId))
    const flagged = current === undefined ? undefined : digestSessionId(current)
    for (const e of entries) e.current = e.digest === flagged
    return entries
  }

  /** Deletes every row; returns how many went. */
  revokeAll(admin: AdminStatements): Promise<number> {
    this.#clock.clear()
    return this.#coherence.revoking('all', () => admin.clear())
  }

  /** Deletes the user's rows but those of `keep` (digests); returns how many went. */
  async revokeUser(admin: AdminStatements, userId: string, keep: string[]): Promise<number> {
    this.#assertUsers('destroyByUser')
    const gone = await this.#coherence.revokingMatches(() => admin.destroyByUser(userId, keep))
    for (const digest of gone) this.#clock.forget(digest)
    return gone.length
  }

  /**
   * After a write that gave `data`'s user a session: deletes that user's oldest live sessions beyond
   * `max` (maxSessionsPerUser), dropping them from this cache and announcing them to the others.
   */
  async trimUser(admin: AdminStatements, data: TData, max: number): Promise<void> {
    const userId = this.#userOf(data)
    if (userId === null) return
    const gone = await this.#coherence.revokingMatches(() => admin.trimUser(userId, max))
    for (const digest of gone) this.#clock.forget(digest)
  }

  /** Deletes the row of `digest` (of `owner` only, when given); true when it went. */
  async revokeDigest(admin: AdminStatements, digest: string, owner: string | undefined): Promise<boolean> {
    if (owner !== undefined) this.#assertUsers('destroyByDigest with a userId')
    const gone = await this.#coherence.revoking([digest], () => admin.destroyByDigest(digest, owner))
    this.#clock.forget(digest)
    return gone
  }

  close(): Promise<void> {
    return this.#coherence.close()
  }

  /** @throws PgStoreError `INVALID_OPTIONS`: without `userId` no row carries a user, so nothing would match. */
  #assertUsers(method: string): void {
    if (this.#userId) return
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: ${method} needs the store's userId option (data => the user's id), which fills user_id on each write.`,
    )
  }

  #userOf(data: TData): string | null {
    const user = this.#userId?.(data)
    return user == null ? null : String(user)
  }
}
