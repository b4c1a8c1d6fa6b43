/**
 * PgStore: sessions in PostgreSQL through any Drizzle database. The facade: each public method composes
 * the layers below it (options, calls, connection, row codec, write clock, cache coherence, pruner) and
 * builds no SQL itself (see ../sql).
 *
 * @example
 * ```ts
 * import { PgStore } from '@pgstore/core'
 * const store = new PgStore({ connectionString: process.env.DATABASE_URL, createTable: true })
 * await store.set(sid, { userId: 'u1' }, { ttl: 3_600_000 })
 * await store.get(sid)    // { userId: 'u1' }, or null once expired
 * await store.touch(sid)  // moves the expiry; writes nothing inside touchAfter
 * await store.close()     // ends only the pool it created
 * ```
 *
 * Ids are stored as SHA-256 digests, so list methods return digests (`SessionEntry.digest`), never ids.
 */
import { EventEmitter } from 'node:events'
import { type Coherence, createCoherence } from '../cache/coherence'
import type { CachedSession } from '../cache/lru'
import { digestSessionId } from '../crypto'
import { type PgStoreError, toPgStoreError } from '../errors'
import type { SessionTable } from '../schema'
import type { HotQueries } from '../sql/hot'
import { PRUNE_DEFAULTS, type PruneResult, pruneExpired } from '../sql/prune'
import { Calls } from './calls'
import { type Connected, Connection } from './connection'
import {
  acceptableId,
  assertId,
  expiryOf,
  type PgStoreOptions,
  resolveStoreOptions,
  type StoreSettings,
} from './options'
import { Pruner } from './pruner'
import { RowCodec } from './row-codec'
import type { ExpiryOptions, PgStoreEvents, SessionData, SessionEntry, SessionRecord } from './types'
import { WriteClock } from './write-clock'

export class PgStore<TData extends object = SessionData> extends EventEmitter<PgStoreEvents> {
  readonly table: SessionTable
  readonly ttl: number
  readonly touchAfter: number
  readonly maxBytes: number
  readonly #settings: StoreSettings
  readonly #userId: PgStoreOptions<TData>['userId']
  readonly #calls: Calls
  readonly #connection: Connection
  readonly #codec: RowCodec
  readonly #clock: WriteClock
  readonly #coherence: Coherence
  readonly #pruner: Pruner | undefined

  constructor(options: PgStoreOptions<TData>) {
    super()
    const settings = resolveStoreOptions(options)
    this.#settings = settings
    this.table = settings.table
    this.ttl = settings.ttl
    this.touchAfter = settings.touchAfter
    this.maxBytes = settings.maxBytes
    this.#userId = options.userId
    this.#codec = new RowCodec(settings.maxBytes, options.encryption)
    this.#clock = new WriteClock(settings.touchAfter)
    this.#calls = new Calls(settings.label, settings.queryTimeout, {
      connect: () => this.emit('connect'),
      disconnect: (error) => this.emit('disconnect', error),
    })
    const background = (err: unknown, where: string) =>
      this.#background(toPgStoreError(err, where, settings.label))
    this.#coherence = createCoherence(settings.cache, settings.label, settings.queryTimeout, background)
    this.#connection = new Connection(options, settings, this.#coherence.notice, {
      onPoolError: (err) => background(err, 'an idle connection'),
      ready: (_resolved, client) => this.#coherence.start(client),
    })
    if (settings.prune) {
      const done = (result: PruneResult) => this.emit('prune', result)
      this.#pruner = new Pruner(
        settings.prune,
        () => this.prune(),
        done,
        (e) => this.#background(e),
      )
    }
  }

  /** The session's data, or null when it is missing or expired (checked in SQL). */
  async get(sid: string): Promise<TData | null> {
    return (await this.getRecord(sid))?.data ?? null
  }

  /** Data with the row's expiry and last write time, or null when missing or expired. */
  getRecord(sid: string): Promise<SessionRecord<TData> | null> {
    const digest = acceptableId(sid) ? digestSessionId(sid) : undefined
    // A hit needs neither the timeout nor the health bookkeeping of a database call.
    const hit = digest === undefined || this.#calls.closed ? undefined : this.#coherence.hit(digest)
    if (hit) {
      this.#clock.remember(digest!, hit.updatedAt)
      return Promise.resolve(this.#record(hit))
    }
    return this.#calls.run('get', async () => {
      if (digest === undefined) return null
      const { hot } = await this.#connect()
      const ticket = this.#coherence.beginRead()
      const row = await hot.get(digest)
      if (!row) return null
      this.#clock.remember(digest, row.updatedAt)
      const json = this.#codec.plaintext(row.data, digest)
      const entry = { json, expiresAt: row.expiresAt, updatedAt: row.updatedAt, storedAt: Date.now() }
      this.#coherence.read(digest, ticket, entry)
      return this.#record(entry)
    })
  }

  /**
   * Writes the session in one upsert. An expiry already in the past destroys it instead.
   * @throws PgStoreError `NOT_SERIALIZABLE`, `SESSION_TOO_LARGE` (nothing written), `INVALID_SESSION_ID`
   */
  set(sid: string, data: TData, options?: ExpiryOptions): Promise<void> {
    return this.#calls.run('set', async () => {
      assertId(sid)
      const expiresAt = expiryOf(options, this.ttl)
      const json = this.#codec.serialize(data)
      const { hot } = await this.#connect()
      const digest = digestSessionId(sid)
      if (expiresAt <= Date.now()) return this.#destroyRow(hot, digest)
      const stored = this.#codec.seal(json, digest)
      const user = this.#userId?.(data)
      const userId = user == null ? null : String(user)
      let now = 0
      const upsert = async () => {
        await hot.upsert(digest, stored, userId, new Date(expiresAt).toISOString())
        now = Date.now()
        this.#clock.remember(digest, now)
      }
      const written = () => ({ json, expiresAt, updatedAt: now, storedAt: now })
      await this.#coherence.wrote(digest, upsert, written, hot.notify)
    })
  }

  /**
   * Moves the expiry of a live session; never touches its data. True when a row moved; false when none
   * was there (missing or expired), and false with no query sent when the last write seen by this
   * process is within `touchAfter`.
   */
  touch(sid: string, options?: ExpiryOptions): Promise<boolean> {
    if (this.#calls.closed || !acceptableId(sid)) return this.#calls.run('touch', async () => false)
    const expiresAt = expiryOf(options, this.ttl)
    const digest = digestSessionId(sid)
    // Inside touchAfter (the common case: every read-only request ends in a touch) nothing is sent, so the
    // answer needs none of the timeout and health bookkeeping of a database call.
    if (this.#clock.throttled(digest, expiresAt)) return Promise.resolve(false)
    return this.#calls.run('touch', async () => {
      const now = Date.now()
      const { hot } = await this.#connect()
      const touch = () => hot.touch(digest, new Date(expiresAt).toISOString())
      const moved = await this.#coherence.touched(digest, touch, expiresAt, hot.notify)
      this.#clock.remember(digest, now)
      return moved
    })
  }

  /** Deletes the session. */
  destroy(sid: string): Promise<void> {
    return this.#calls.run('destroy', async () => {
      if (!acceptableId(sid)) return
      const { hot } = await this.#connect()
      await this.#destroyRow(hot, digestSessionId(sid))
    })
  }

  /** Digests of every live session. */
  ids(): Promise<string[]> {
    return this.#calls.run('ids', async () => (await this.#connect()).admin.ids())
  }

  /** Every live session. */
  all(): Promise<SessionEntry<TData>[]> {
    return this.#calls.run('all', () => this.#entries(undefined))
  }

  /** Number of live sessions. */
  length(): Promise<number> {
    return this.#calls.run('length', async () => (await this.#connect()).admin.count())
  }

  /** Deletes every session in the table. Returns how many rows went. */
  clear(): Promise<number> {
    return this.#calls.run('clear', async () => {
      this.#clock.clear()
      const { admin } = await this.#connect()
      return this.#coherence.revoking('all', () => admin.clear())
    })
  }

  /** The user's live sessions, newest first. Pass the current session id to have it flagged `current`. */
  listByUser(userId: string | number, options: { current?: string } = {}): Promise<SessionEntry<TData>[]> {
    return this.#calls.run('listByUser', async () => {
      const entries = await this.#entries(String(userId))
      const current = acceptableId(options.current) ? digestSessionId(options.current) : undefined
      for (const e of entries) e.current = e.digest === current
      return entries
    })
  }

  /** Deletes the user's sessions, except those given ("log out other devices"). Returns how many went. */
  destroyByUser(
    userId: string | number,
    options: { except?: string | readonly string[] } = {},
  ): Promise<number> {
    return this.#calls.run('destroyByUser', async () => {
      const { admin } = await this.#connect()
      const keep = ([] as string[])
        .concat(options.except ?? [])
        .filter(acceptableId)
        .map(digestSessionId)
      const gone = await this.#coherence.revokingMatches(() => admin.destroyByUser(String(userId), keep))
      for (const digest of gone) this.#clock.forget(digest)
      return gone.length
    })
  }

  /** Deletes one session by its digest (from a listing), optionally only if it belongs to `userId`. */
  destroyByDigest(digest: string, options: { userId?: string | number } = {}): Promise<boolean> {
    return this.#calls.run('destroyByDigest', async () => {
      const { admin } = await this.#connect()
      const owner = options.userId === undefined ? undefined : String(options.userId)
      const gone = await this.#coherence.revoking([digest], () => admin.destroyByDigest(digest, owner))
      this.#clock.forget(digest)
      return gone
    })
  }

  /** Deletes expired rows in bounded batches; safe to call from a cron job beside the background timer. */
  prune(): Promise<PruneResult> {
    // A sweep is many short batches and may rightly take longer than queryTimeout as a whole; each batch
    // is its own statement, bounded by statementTimeout. A whole-call timeout would report failure while
    // the loop went on deleting.
    const noWholeCallTimeout = 0
    return this.#calls.run(
      'prune',
      async () => {
        const { resolved } = await this.#connect()
        const { table, label, prune } = this.#settings
        const lock = `pgstore:prune:${label}`
        return pruneExpired(resolved.db, table, lock, prune || PRUNE_DEFAULTS, () => this.#calls.closed)
      },
      noWholeCallTimeout,
    )
  }

  /** Stops background pruning, waits for a running prune, and ends the pool if pgstore created it. */
  async close(): Promise<void> {
    if (this.#calls.closed) return
    this.#calls.close()
    await this.#pruner?.stop()
    await this.#connection.settled()
    await this.#coherence.close()
    await this.#connection.close()
  }

  /** True until a call finds the database unreachable; true again once one succeeds. */
  get healthy(): boolean {
    return this.#calls.healthy
  }

  #connect(): Promise<Connected> | Connected {
    return this.#connection.current ?? this.#connection.connect()
  }

  /** Deletes one row by digest, for `destroy` and for a `set` whose expiry is already past. */
  #destroyRow(hot: HotQueries, digest: string): Promise<void> {
    this.#clock.forget(digest)
    return this.#coherence.removed(digest, () => hot.destroy(digest), hot.notify)
  }

  #record(entry: CachedSession): SessionRecord<TData> {
    const data = JSON.parse(entry.json) as TData
    return { data, expiresAt: new Date(entry.expiresAt), updatedAt: new Date(entry.updatedAt) }
  }

  async #entries(userId: string | undefined): Promise<SessionEntry<TData>[]> {
    const rows = await (await this.#connect()).admin.entries(userId)
    return rows.map((r) => ({ ...r, data: this.#codec.parse<TData>(r.data, r.digest), current: false }))
  }

  #background(error: PgStoreError): void {
    if (this.listenerCount('backgroundError') > 0) this.emit('backgroundError', error)
    else console.warn(`${error.message} [${error.code}]`)
  }
}

/** Shorthand for `new PgStore(options)`. */
export function createPgStore<TData extends object = SessionData>(
  options: PgStoreOptions<TData>,
): PgStore<TData> {
  return new PgStore(options)
}
