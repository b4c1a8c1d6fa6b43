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
import { digestSessionId } from '../crypto'
import { type PgStoreError, toPgStoreError } from '../errors'
import type { SessionTable } from '../schema'
import type { PruneResult } from '../sql/prune'
import type { Calls } from './calls'
import type { BatchStats } from './coalescer'
import type { Connected, Connection } from './connection'
import { buildLayers } from './layers'
import {
  acceptableId,
  assertId,
  expiryOf,
  marginOf,
  type PgStoreOptions,
  resolveStoreOptions,
  type StoreSettings,
} from './options'
import { type Pruner, sweep } from './pruner'
import type { Rows, WriteMode } from './rows'
import type {
  CreateOptions,
  ExpiryOptions,
  PgStoreEvents,
  SessionData,
  SessionEntry,
  SessionRecord,
  TouchOptions,
} from './types'

export class PgStore<TData extends object = SessionData> extends EventEmitter<PgStoreEvents> {
  readonly table: SessionTable
  readonly ttl: number
  readonly touchAfter: number
  readonly maxBytes: number
  readonly #settings: StoreSettings
  readonly #calls: Calls
  readonly #connection: Connection
  readonly #rows: Rows<TData>
  readonly #pruner: Pruner | undefined
  readonly #background: (error: PgStoreError) => void

  constructor(options: PgStoreOptions<TData>) {
    super()
    const settings = resolveStoreOptions(options)
    ;({ table: this.table, ttl: this.ttl, touchAfter: this.touchAfter, maxBytes: this.maxBytes } = settings)
    this.#settings = settings
    const events = {
      connect: () => this.emit('connect'),
      disconnect: (error: PgStoreError) => this.emit('disconnect', error),
      prune: (result: PruneResult) => this.emit('prune', result),
      background: (error: PgStoreError) => {
        if (this.listenerCount('backgroundError') > 0) this.emit('backgroundError', error)
        else console.warn(`${error.message} [${error.code}]`)
      },
    }
    this.#background = events.background
    ;({
      calls: this.#calls,
      connection: this.#connection,
      rows: this.#rows,
      pruner: this.#pruner,
    } = buildLayers(options, settings, events, () => this.prune()))
  }

  /** The session's data, or null when it is missing or expired (checked in SQL). */
  async get(sid: string): Promise<TData | null> {
    return (await this.getRecord(sid))?.data ?? null
  }

  /** Data with the row's expiry and last write time, or null when missing or expired. */
  getRecord(sid: string): Promise<SessionRecord<TData> | null> {
    const digest = acceptableId(sid) ? digestSessionId(sid) : undefined
    // A hit needs neither the timeout nor the health bookkeeping of a database call.
    const hit = digest === undefined || this.#calls.closed ? undefined : this.#rows.cached(digest)
    if (hit) return Promise.resolve(hit)
    return this.#calls.run('get', async () => {
      if (digest === undefined) return null
      return this.#rows.read((await this.#connect()).hot, digest)
    })
  }

  /**
   * Creates or replaces the session, whatever its row holds: for imports and tools. A request that loaded
   * a session saves it with {@link update}, a new one with {@link create}, so a revoked session stays gone.
   * An expiry already in the past destroys it instead. A `meta` given replaces the row's; without one a live
   * row keeps what its creation recorded.
   * @throws PgStoreError `NOT_SERIALIZABLE`, `SESSION_TOO_LARGE` (nothing written), `INVALID_SESSION_ID`
   */
  async set(sid: string, data: TData, options?: CreateOptions): Promise<void> {
    await this.#write('set', 'upsert', sid, data, options)
  }

  /**
   * Writes a new session. False, writing nothing, when a live session holds the id already. `meta` (the
   * request's IP and user agent, which the adapters pass) is kept with it for device lists: each string
   * cut to 256 characters, control characters dropped. Only a new session records it; updates and touches
   * never change it. With `maxSessionsPerUser`, a session with a user id then deletes that user's oldest
   * beyond the cap.
   * @throws PgStoreError `NOT_SERIALIZABLE`, `SESSION_TOO_LARGE` (nothing written), `INVALID_SESSION_ID`
   */
  create(sid: string, data: TData, options?: CreateOptions): Promise<boolean> {
    return this.#write('create', 'insert', sid, data, options)
  }

  /**
   * Saves a session this request loaded. False, writing nothing, when its row is gone: it was revoked
   * (destroyed, logged out everywhere, regenerated) or expired while the request ran, and stays gone.
   * @throws PgStoreError `NOT_SERIALIZABLE`, `SESSION_TOO_LARGE` (nothing written), `INVALID_SESSION_ID`
   */
  update(sid: string, data: TData, options?: ExpiryOptions): Promise<boolean> {
    return this.#write('update', 'update', sid, data, options)
  }

  /**
   * Moves the expiry of a live session; never touches its data, but fills its user id from `data` when
   * the row has none. True when a row moved; false when none was there (missing, expired or revoked), and
   * false with no query sent when the last write seen by this process is within `touchAfter`.
   */
  touch(sid: string, options?: TouchOptions<TData>): Promise<boolean> {
    if (this.#calls.closed || !acceptableId(sid)) return this.#calls.run('touch', async () => false)
    const expiresAt = expiryOf(options, this.ttl)
    const digest = digestSessionId(sid)
    // Inside touchAfter (the common case: every read-only request ends in a touch) nothing is sent, so the
    // answer needs none of the timeout and health bookkeeping of a database call.
    if (this.#rows.throttled(digest, expiresAt - marginOf(options))) return Promise.resolve(false)
    return this.#calls.run('touch', async () =>
      this.#rows.touch((await this.#connect()).hot, digest, expiresAt, options?.data),
    )
  }

  /** Deletes the session. */
  destroy(sid: string): Promise<void> {
    return this.#calls.run('destroy', async () => {
      if (acceptableId(sid)) await this.#rows.remove((await this.#connect()).hot, digestSessionId(sid))
    })
  }

  /** Digests of every live session. */
  ids(): Promise<string[]> {
    return this.#calls.run('ids', async () => (await this.#connect()).admin.ids())
  }

  /** Every live session. */
  all(): Promise<SessionEntry<TData>[]> {
    return this.#calls.run('all', async () => this.#rows.entries((await this.#connect()).admin))
  }

  /** Number of live sessions. */
  length(): Promise<number> {
    return this.#calls.run('length', async () => (await this.#connect()).admin.count())
  }

  /** Deletes every session in the table. Returns how many rows went. */
  clear(): Promise<number> {
    return this.#calls.run('clear', async () => this.#rows.revokeAll((await this.#connect()).admin))
  }

  /**
   * The user's live sessions, most recently seen first, each with `createdAt`, `updatedAt` (last seen, to
   * within `touchAfter`) and the `meta` its creating request left (IP, user agent), for a device list. Pass
   * the current session id to have it flagged `current`.
   */
  listByUser(userId: string | number, options: { current?: string } = {}): Promise<SessionEntry<TData>[]> {
    const current = acceptableId(options.current) ? options.current : undefined
    return this.#calls.run('listByUser', async () =>
      this.#rows.entries((await this.#connect()).admin, String(userId), current),
    )
  }

  /**
   * Deletes the user's sessions, except those given: "log out other devices", and the one call to make
   * after a password change, keeping only the session that made it. One statement; every instance's cache
   * drops the deleted sessions. Returns how many went.
   * @example
   * ```ts
   * await store.destroyByUser(userId, { except: currentSid }) // after a password change
   * ```
   */
  destroyByUser(
    userId: string | number,
    options: { except?: string | readonly string[] } = {},
  ): Promise<number> {
    const keep = ([] as string[])
      .concat(options.except ?? [])
      .filter(acceptableId)
      .map(digestSessionId)
    return this.#calls.run('destroyByUser', async () =>
      this.#rows.revokeUser((await this.#connect()).admin, String(userId), keep),
    )
  }

  /** Deletes one session by its digest (from a listing), optionally only if it belongs to `userId`. */
  destroyByDigest(digest: string, options: { userId?: string | number } = {}): Promise<boolean> {
    const owner = options.userId === undefined ? undefined : String(options.userId)
    return this.#calls.run('destroyByDigest', async () =>
      this.#rows.revokeDigest((await this.#connect()).admin, digest, owner),
    )
  }

  /** Deletes expired rows in bounded batches; safe to call from a cron job beside the background timer. */
  prune(): Promise<PruneResult> {
    // A sweep is many short batches, each bounded by statementTimeout, and may rightly take longer than
    // queryTimeout as a whole: a whole-call timeout would report failure while the loop went on deleting.
    const noWholeCallTimeout = 0
    return this.#calls.run(
      'prune',
      async () => sweep((await this.#connect()).resolved.db, this.#settings, () => this.#calls.closed),
      noWholeCallTimeout,
    )
  }

  /** Stops background pruning, waits for a running prune, and ends the pool if pgstore created it. */
  async close(): Promise<void> {
    if (this.#calls.closed) return
    this.#calls.close()
    await this.#pruner?.stop()
    await this.#connection.settled()
    await this.#connection.current?.hot.idle()
    await this.#rows.close()
    await this.#connection.close()
  }

  /**
   * What coalescing did since the store started: calls sent, statements they went in, calls that waited
   * for a batch, the most calls one statement carried, and how many statements carried each number of calls
   * (`sizes`). `statements / calls` is the cost per call; all zeros (and no sizes) with `coalesce: false`.
   * Each read is a copy: the difference of two is what happened between them.
   */
  get batchStats(): Readonly<BatchStats> {
    const stats = this.#connection.batchStats
    return { ...stats, sizes: [...stats.sizes] }
  }

  /** True until a call finds the database unreachable; true again once one succeeds. */
  get healthy(): boolean {
    return this.#calls.healthy
  }

  #write(op: string, mode: WriteMode, sid: string, data: TData, options?: CreateOptions): Promise<boolean> {
    return this.#calls.run(op, async () => {
      assertId(sid)
      const expiresAt = expiryOf(options, this.ttl)
      const json = this.#rows.serialize(data)
      const { hot, admin } = await this.#connect()
      const digest = digestSessionId(sid)
      if (expiresAt > Date.now()) {
        const written = await this.#rows.write(hot, mode, digest, data, json, expiresAt, options?.meta)
        const cap = this.#settings.maxSessionsPerUser
        // Only a write that may have given its user one more session; update never does (see the option).
        if (written && cap !== undefined && mode !== 'update') await this.#trim(admin, data, cap)
        return written
      }
      // An expiry already past ends the session.
      await this.#rows.remove(hot, digest)
      return true
    })
  }

  /**
   * maxSessionsPerUser after a write that succeeded: a failure here is reported as a backgroundError, not
   * as the write's, which is done; the user's next login trims again.
   */
  async #trim(admin: Connected['admin'], data: TData, cap: number): Promise<void> {
    try {
      await this.#rows.trimUser(admin, data, cap)
    } catch (err) {
      this.#background(toPgStoreError(err, 'trimming sessions to maxSessionsPerUser', this.#settings.label))
    }
  }

  #connect(): Promise<Connected> | Connected {
    return this.#connection.current ?? this.#connection.connect()
  }
}

/** Shorthand for `new PgStore(options)`. */
export function createPgStore<TData extends object = SessionData>(
  options: PgStoreOptions<TData>,
): PgStore<TData> {
  return new PgStore(options)
}
