/**
 * PgStore: sessions in PostgreSQL through any Drizzle database.
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
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { count, eq, gt, sql } from 'drizzle-orm'
import { getTableConfig } from 'drizzle-orm/pg-core'
import { CacheListener, type CacheOptions, listenSource, SessionCache } from './cache'
import { DataCipher, digestSessionId, type EncryptionOptions } from './crypto'
import {
  type AnyPgDatabase,
  assertOneSource,
  type PoolLike,
  type ResolvedDatabase,
  resolveDatabase,
  rowsOf,
} from './db'
import { ensureTable, qualified, type TableName } from './ddl'
import { PgStoreError, toPgStoreError } from './errors'
import { PRUNE_DEFAULTS, type PruneOptions, type PruneResult, pruneExpired } from './prune'
import {
  cacheChannel,
  type HotQueries,
  noticePayloads,
  notifyColumn,
  prepareHotQueries,
  type WriteNotice,
} from './queries'
import { assertIdentifier, type SessionTable, sessions } from './schema'
import { serializeSession } from './serialize'

/** Session data: a JSON object. */
export type SessionData = Record<string, unknown>

export interface PgStoreOptions<TData extends object = SessionData> {
  /** Any Drizzle PostgreSQL database (node-postgres, PGlite, postgres.js). pgstore never closes it. */
  db?: AnyPgDatabase
  /** A `pg.Pool`. pgstore never ends it. */
  pool?: PoolLike
  /** A connection string; pgstore creates a `pg.Pool` for it and ends it on `close()`. */
  connectionString?: string
  /**
   * Size of the pool created for `connectionString`.
   * @default 10
   */
  poolSize?: number
  /**
   * The session table, from {@link pgSessionTable}.
   * @default sessions (public.http_sessions)
   */
  table?: SessionTable
  /**
   * Lifetime of a session written without an explicit expiry, in ms.
   * @default 86_400_000 (one day)
   */
  ttl?: number
  /**
   * A touch less than this many ms after the session's last write writes nothing. It is capped at half the
   * lifetime the touch asks for, so a short-lived session still moves. 0 writes on every touch.
   * @default 60_000
   */
  touchAfter?: number
  /**
   * Create the table (and its schema and indexes) when it is missing. Idempotent and safe when many
   * processes start at once; works for a role without CREATE when the table exists.
   * @default false
   */
  createTable?: boolean
  /**
   * Largest serialised session accepted, in bytes of JSON (before encryption). Larger writes are refused
   * with `SESSION_TOO_LARGE` and nothing is written.
   * @default 65_536
   */
  maxBytes?: number
  /** Fills the `user_id` column from the data, for `listByUser` and `destroyByUser`. */
  userId?: (data: TData) => string | number | null | undefined
  /** AES-256-GCM of the stored data. @default off */
  encryption?: EncryptionOptions
  /**
   * Background removal of expired rows, or `false` to run `prune()` yourself (from a cron job, say).
   * @default { interval: 300_000, jitter: 0.2, batchSize: 1000, batchPause: 5 }
   */
  prune?: PruneOptions | false
  /**
   * Longest wait for any one store call, in ms, after which it fails with `TIMEOUT`. 0 waits forever.
   * @default 10_000
   */
  queryTimeout?: number
  /**
   * Server-side `statement_timeout` for the pool created from `connectionString`, in ms.
   * @default queryTimeout
   */
  statementTimeout?: number
  /**
   * Longest wait for a connection from the pool created from `connectionString`, in ms.
   * @default 5_000
   */
  connectTimeout?: number
  /**
   * An in-process read cache, or `false`. A hit sends no query. Every write made by a cached store
   * notifies the other instances (LISTEN/NOTIFY on a dedicated connection), which drop their copy; while
   * that connection is down every read goes to the database. Writes made outside pgstore (plain SQL) are
   * not seen until `maxAge` passes. Cached data sits in process memory in plaintext, even with
   * `encryption` on. Needs node-postgres (`pool`, `connectionString`, or a `db` over a `pg.Pool`) or PGlite.
   * @default false
   */
  cache?: CacheOptions | false
}

/** When a write should expire: an absolute time, or a lifetime from now. */
export interface ExpiryOptions {
  /** Absolute expiry (Date or epoch ms). Wins over `ttl`. */
  expiresAt?: Date | number
  /** Lifetime from now, in ms. @default the store's ttl */
  ttl?: number
}

/** A live row as listing methods return it. */
export interface SessionEntry<TData extends object = SessionData> {
  /** SHA-256 digest of the session id: an opaque handle (for `destroyByDigest`), not a usable id. */
  digest: string
  data: TData
  userId: string | null
  createdAt: Date
  updatedAt: Date
  expiresAt: Date
  /** True for the entry whose id was passed as `current`. */
  current: boolean
}

/** What `getRecord` returns. */
export interface SessionRecord<TData extends object = SessionData> {
  data: TData
  expiresAt: Date
  updatedAt: Date
}

export interface PgStoreEvents {
  /** The database answered again after a `disconnect`. */
  connect: []
  /** A call failed because the database is unreachable. */
  disconnect: [error: PgStoreError]
  /** A background prune finished. */
  prune: [result: PruneResult]
  /** A background task (prune, an idle pool client) failed. Logged with console.warn when unheard. */
  backgroundError: [error: PgStoreError]
}

const MAX_ID_LENGTH = 512
/** How many sessions' last-write times are remembered for touch throttling. */
const WRITE_CLOCK_SIZE = 10_000

export class PgStore<TData extends object = SessionData> extends EventEmitter<PgStoreEvents> {
  readonly table: SessionTable
  readonly ttl: number
  readonly touchAfter: number
  readonly maxBytes: number
  readonly #tableName: TableName
  readonly #label: string
  readonly #options: PgStoreOptions<TData>
  readonly #cipher: DataCipher | undefined
  readonly #prune: Required<PruneOptions> | false
  readonly #queryTimeout: number
  /** digest → epoch ms of the last write this process saw; drives touchAfter without a query. */
  readonly #writeClock = new Map<string, number>()
  #q: HotQueries | undefined
  #resolved: ResolvedDatabase | undefined
  #initializing: Promise<HotQueries> | undefined
  #healthy = true
  #closed = false
  #timer: NodeJS.Timeout | undefined
  #pruning: Promise<PruneResult> | undefined
  readonly #cache: SessionCache | undefined
  readonly #notice: WriteNotice | undefined
  #listener: CacheListener | undefined
  /** Digests written since the last announcement, and the writes waiting for it. */
  #unannounced = new Set<string>()
  #announced: Array<() => void> = []
  #announcing: Promise<void> | undefined

  constructor(options: PgStoreOptions<TData>) {
    super()
    assertOneSource(options)
    this.#options = options
    this.table = options.table ?? sessions
    const config = getTableConfig(this.table)
    this.#tableName = { schema: config.schema, name: config.name }
    if (config.schema !== undefined) assertIdentifier('schema', config.schema)
    assertIdentifier('table', config.name)
    this.#label = qualified(this.#tableName)
    this.ttl = positive('ttl', options.ttl, 86_400_000)
    this.touchAfter = positive('touchAfter', options.touchAfter, 60_000, true)
    this.maxBytes = positive('maxBytes', options.maxBytes, 65_536)
    this.#queryTimeout = positive('queryTimeout', options.queryTimeout, 10_000, true)
    this.#cipher = options.encryption ? new DataCipher(options.encryption) : undefined
    this.#prune = options.prune === false ? false : { ...PRUNE_DEFAULTS, ...options.prune }
    if (options.cache) {
      const instance = randomBytes(8).toString('hex')
      this.#cache = new SessionCache(options.cache, instance)
      this.#notice = { channel: cacheChannel(this.#label), instance }
    }
    if (this.#prune) this.#schedule(true)
  }

  /** The session's data, or null when it is missing or expired (checked in SQL). */
  async get(sid: string): Promise<TData | null> {
    return (await this.getRecord(sid))?.data ?? null
  }

  /** Data with the row's expiry and last write time, or null when missing or expired. */
  getRecord(sid: string): Promise<SessionRecord<TData> | null> {
    const digest = acceptable(sid) ? digestSessionId(sid) : undefined
    // A hit needs neither the timeout nor the health bookkeeping of a database call.
    const hit = digest === undefined ? undefined : this.#cached(digest)
    if (hit) return Promise.resolve(hit)
    return this.#run('get', async () => {
      if (digest === undefined) return null
      const q = this.#q ?? (await this.#init())
      const cache = this.#cache
      const epoch = cache?.epoch ?? 0
      const since = Date.now()
      const row = await q.get(digest)
      if (!row) return null
      this.#remember(digest, row.updatedAt)
      const json = this.#plaintext(row.data, digest)
      cache?.fill(
        digest,
        { json, expiresAt: row.expiresAt, updatedAt: row.updatedAt, storedAt: Date.now() },
        epoch,
        since,
      )
      return {
        data: JSON.parse(json) as TData,
        expiresAt: new Date(row.expiresAt),
        updatedAt: new Date(row.updatedAt),
      }
    })
  }

  /**
   * Writes the session in one upsert. An expiry already in the past destroys it instead.
   * @throws PgStoreError `NOT_SERIALIZABLE`, `SESSION_TOO_LARGE` (nothing written), `INVALID_SESSION_ID`
   */
  set(sid: string, data: TData, options?: ExpiryOptions): Promise<void> {
    return this.#run('set', async () => {
      assertId(sid)
      const expiresAt = this.#expiry(options)
      const json = serializeSession(data, this.maxBytes)
      const q = this.#q ?? (await this.#init())
      const digest = digestSessionId(sid)
      if (expiresAt <= Date.now()) return this.#destroyRow(q, digest)
      const stored = this.#cipher ? JSON.stringify(this.#cipher.seal(json, digest)) : json
      const user = this.#options.userId?.(data)
      const epoch = this.#cache?.epoch ?? 0
      await this.#invalidating(
        digest,
        q.upsert(digest, stored, user == null ? null : String(user), new Date(expiresAt).toISOString()),
        false,
      )
      const now = Date.now()
      this.#remember(digest, now)
      const cache = this.#cache
      if (cache) {
        // What was just written is what the row holds, unless another instance's write was announced while
        // this one was in flight: then the entry is dropped and the next read goes to the database. A read
        // that was in flight across this write finds this newer entry and leaves it (see fill's `since`).
        cache.fill(digest, { json, expiresAt, updatedAt: now, storedAt: now }, epoch)
        await this.#announce(q, digest)
      }
    })
  }

  /**
   * Moves the expiry of a live session; never touches its data. Returns false, and sends no query, when
   * the last write seen by this process is within `touchAfter`.
   */
  touch(sid: string, options?: ExpiryOptions): Promise<boolean> {
    if (this.#closed || !acceptable(sid)) return this.#run('touch', async () => false)
    const expiresAt = this.#expiry(options)
    const digest = digestSessionId(sid)
    // Inside touchAfter (the common case: every read-only request ends in a touch) nothing is sent, so the
    // answer needs none of the timeout and health bookkeeping of a database call.
    if (this.#throttled(digest, expiresAt)) return Promise.resolve(false)
    return this.#run('touch', async () => {
      const now = Date.now()
      const q = this.#q ?? (await this.#init())
      const moved = await q.touch(digest, new Date(expiresAt).toISOString())
      if (moved) this.#cache?.touched(digest, expiresAt, now)
      else this.#cache?.invalidate(digest)
      this.#remember(digest, now)
      await this.#announce(q, digest)
      return true
    })
  }

  /** Deletes the session. */
  destroy(sid: string): Promise<void> {
    return this.#run('destroy', async () => {
      if (!acceptable(sid)) return
      const q = this.#q ?? (await this.#init())
      await this.#destroyRow(q, digestSessionId(sid))
    })
  }

  /** Deletes one row by digest, for `destroy` and for a `set` whose expiry is already past. */
  async #destroyRow(q: HotQueries, digest: string): Promise<void> {
    this.#writeClock.delete(digest)
    await this.#invalidating(digest, q.destroy(digest))
    await this.#announce(q, digest)
  }

  /** Digests of every live session. */
  ids(): Promise<string[]> {
    return this.#run('ids', async () => {
      const { db } = await this.#database()
      const t = this.table
      const rows = await db.select({ id: t.id }).from(t).where(gt(t.expiresAt, sql`now()`))
      return rows.map((r) => r.id)
    })
  }

  /** Every live session. */
  all(): Promise<SessionEntry<TData>[]> {
    return this.#run('all', () => this.#entries(undefined))
  }

  /** Number of live sessions. */
  length(): Promise<number> {
    return this.#run('length', async () => {
      const { db } = await this.#database()
      const t = this.table
      const [row] = await db.select({ n: count() }).from(t).where(gt(t.expiresAt, sql`now()`))
      return Number(row?.n ?? 0)
    })
  }

  /** Deletes every session in the table. Returns how many rows went. */
  clear(): Promise<number> {
    return this.#run('clear', async () => {
      this.#writeClock.clear()
      const { db } = await this.#database()
      const notice = this.#notice
      if (!notice) {
        const rows = await db.delete(this.table).returning({ id: this.table.id })
        return rows.length
      }
      try {
        const result = await db.execute(
          sql`with gone as (delete from ${this.table} returning 1) select (select count(*) from gone)::int as n, pg_notify(${notice.channel}, ${`${notice.instance}:*`})`,
        )
        return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0)
      } finally {
        this.#cache?.clear()
      }
    })
  }

  /** The user's live sessions, newest first. Pass the current session id to have it flagged `current`. */
  listByUser(userId: string | number, options: { current?: string } = {}): Promise<SessionEntry<TData>[]> {
    return this.#run('listByUser', async () => {
      const entries = await this.#entries(String(userId))
      const current = acceptable(options.current) ? digestSessionId(options.current) : undefined
      for (const e of entries) e.current = e.digest === current
      return entries
    })
  }

  /**
   * Deletes the user's sessions, except those given ("log out other devices"). Returns how many went.
   */
  destroyByUser(
    userId: string | number,
    options: { except?: string | readonly string[] } = {},
  ): Promise<number> {
    return this.#run('destroyByUser', async () => {
      const { db } = await this.#database()
      const t = this.table
      const keep = ([] as string[])
        .concat(options.except ?? [])
        .filter(acceptable)
        .map(digestSessionId)
      const where =
        keep.length > 0
          ? sql`${t.userId} = ${String(userId)} and ${t.id} not in (${sql.join(
              keep.map((k) => sql`${k}`),
              sql`, `,
            )})`
          : eq(t.userId, String(userId))
      let rows: { id: string }[]
      try {
        rows = await db
          .delete(t)
          .where(where)
          .returning({ id: t.id, n: notifyColumn(t, this.#notice) })
      } catch (err) {
        // Which rows went is unknown: forget them all.
        this.#cache?.clear()
        throw err
      }
      for (const r of rows) {
        this.#writeClock.delete(r.id)
        this.#cache?.invalidate(r.id)
      }
      return rows.length
    })
  }

  /** Deletes one session by its digest (from a listing), optionally only if it belongs to `userId`. */
  destroyByDigest(digest: string, options: { userId?: string | number } = {}): Promise<boolean> {
    return this.#run('destroyByDigest', async () => {
      const { db } = await this.#database()
      const t = this.table
      const where =
        options.userId === undefined
          ? eq(t.id, digest)
          : sql`${t.id} = ${digest} and ${t.userId} = ${String(options.userId)}`
      const rows = await this.#invalidating(
        digest,
        db
          .delete(t)
          .where(where)
          .returning({ n: notifyColumn(t, this.#notice) }),
      )
      this.#writeClock.delete(digest)
      return rows.length > 0
    })
  }

  /** Deletes expired rows in bounded batches; safe to call from a cron job beside the background timer. */
  prune(): Promise<PruneResult> {
    // A sweep is many short batches and may rightly take longer than queryTimeout as a whole; each batch
    // is its own statement, bounded by statementTimeout. A whole-call timeout would report failure while
    // the loop went on deleting.
    const noWholeCallTimeout = 0
    return this.#run(
      'prune',
      async () => {
        const { db } = await this.#database()
        const settings = this.#prune || PRUNE_DEFAULTS
        return pruneExpired(db, this.table, `pgstore:prune:${this.#label}`, settings, () => this.#closed)
      },
      noWholeCallTimeout,
    )
  }

  /** Stops background pruning, waits for a running prune, and ends the pool if pgstore created it. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    await this.#pruning?.catch(() => undefined)
    await this.#initializing?.catch(() => undefined)
    await this.#announcing
    await this.#listener?.close()
    await this.#resolved?.ownPool?.end()
  }

  /** True until a call finds the database unreachable; true again once one succeeds. */
  get healthy(): boolean {
    return this.#healthy
  }

  /**
   * Runs one store call: refuses it after close(), bounds it by `timeout` (0: none), maps what the driver
   * threw to a PgStoreError and tracks health.
   */
  #run<T>(action: string, work: () => Promise<T>, timeout = this.#queryTimeout): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new PgStoreError('CLOSED', `pgstore: ${action} was called after close().`))
    }
    const late = () =>
      `pgstore: ${action} took longer than queryTimeout. Raise queryTimeout or look for a lock held on ${this.#label}.`
    return bounded(work(), timeout, late).then(
      (result) => {
        if (!this.#healthy) {
          this.#healthy = true
          this.emit('connect')
        }
        return result
      },
      (err: unknown) => {
        const error = toPgStoreError(err, action, this.#label)
        if (error.code === 'DB_UNAVAILABLE' && this.#healthy) {
          this.#healthy = false
          this.emit('disconnect', error)
        }
        throw error
      },
    )
  }

  async #database(): Promise<ResolvedDatabase> {
    if (!this.#q) await this.#init()
    return this.#resolved!
  }

  #init(): Promise<HotQueries> {
    this.#initializing ??= (async () => {
      // statementTimeout defaults to queryTimeout, so a statement the caller gave up on is cancelled on the
      // server too, instead of holding a pool connection (and its locks) until it ends by itself.
      const source = {
        ...this.#options,
        statementTimeout: this.#options.statementTimeout ?? this.#queryTimeout,
      }
      this.#resolved ??= await resolveDatabase(source, (err) =>
        this.#background(toPgStoreError(err, 'an idle connection', this.#label)),
      )
      const { db } = this.#resolved
      if (this.#options.createTable) await ensureTable(db, this.#tableName)
      if (this.#cache && this.#notice && !this.#listener) await this.#listen(this.#cache, this.#notice)
      this.#q = prepareHotQueries(db, this.table, this.#label)
      return this.#q
    })().catch((err) => {
      this.#initializing = undefined
      throw err
    })
    return this.#initializing
  }

  #cached(digest: string): SessionRecord<TData> | undefined {
    if (!this.#cache || this.#closed) return undefined
    const hit = this.#cache.get(digest)
    if (!hit) return undefined
    this.#remember(digest, hit.updatedAt)
    const data = JSON.parse(hit.json) as TData
    return { data, expiresAt: new Date(hit.expiresAt), updatedAt: new Date(hit.updatedAt) }
  }

  async #listen(cache: SessionCache, notice: WriteNotice): Promise<void> {
    const resolved = this.#resolved!
    const client = resolved.ownPool ?? this.#options.pool ?? (resolved.db as { $client?: unknown }).$client
    const listener = new CacheListener(listenSource(client), notice.channel, cache, (err) =>
      this.#background(toPgStoreError(err, 'the cache listener', this.#label)),
    )
    await listener.start()
    this.#listener = listener
  }

  /**
   * With the cache on, tells the other instances that `digest` changed, and resolves once that NOTIFY is
   * committed, so a write call still returns only after every listening instance can know of it. The
   * notification is not part of the write's statement: a NOTIFY holds a cluster-wide lock ("database 0" in
   * PostgreSQL's async.c) from its commit until the commit's disk flush, so one per write would serialise
   * every session write behind the one before it. Writes that finish while an announcement is in flight
   * share the next one.
   */
  #announce(q: HotQueries, digest: string): Promise<void> {
    const notice = this.#notice
    if (!notice) return Promise.resolve()
    this.#unannounced.add(digest)
    const done = new Promise<void>((resolve) => this.#announced.push(resolve))
    // The writes that complete in this turn of the event loop join the first batch.
    this.#announcing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.#flushAnnouncements(q, notice),
    )
    return done
  }

  async #flushAnnouncements(q: HotQueries, notice: WriteNotice): Promise<void> {
    while (this.#unannounced.size > 0) {
      const digests = this.#unannounced
      const waiting = this.#announced
      this.#unannounced = new Set()
      this.#announced = []
      try {
        await bounded(
          q.notify(notice.channel, noticePayloads(notice.instance, digests)),
          this.#queryTimeout,
          () => 'pgstore: announcing writes took longer than queryTimeout.',
        )
      } catch (err) {
        // The writes themselves are done; other instances keep their copies until maxAge, or until their
        // own listener fails on the same outage and empties their caches.
        this.#background(toPgStoreError(err, 'announcing writes to other instances', this.#label))
      }
      for (const resolve of waiting) resolve()
    }
    this.#announcing = undefined
  }

  /**
   * Drops the cached entry once the write settles, so a read in flight across it does not refill it. With
   * `always` false only a failed write drops it (the caller refills it with what it wrote).
   */
  async #invalidating<T>(digest: string, write: Promise<T>, always = true): Promise<T> {
    try {
      const result = await write
      if (always) this.#cache?.invalidate(digest)
      return result
    } catch (err) {
      this.#cache?.invalidate(digest)
      throw err
    }
  }

  #decode(text: string, digest: string): TData {
    return JSON.parse(this.#plaintext(text, digest)) as TData
  }

  /** The session JSON as the app wrote it: stored text, decrypted when it was encrypted. */
  #plaintext(text: string, digest: string): string {
    if (!text.startsWith('"')) {
      // Rows written before encryption was turned on still read; their next write encrypts them.
      return text
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

  async #entries(userId: string | undefined): Promise<SessionEntry<TData>[]> {
    const { db } = await this.#database()
    const t = this.table
    const live = gt(t.expiresAt, sql`now()`)
    const rows = await db
      .select({
        digest: t.id,
        data: sql<string>`${t.data}::text`,
        userId: t.userId,
        createdAt: t.createdAt,
        updatedAt: t.updatedAt,
        expiresAt: t.expiresAt,
      })
      .from(t)
      .where(userId === undefined ? live : sql`${t.userId} = ${userId} and ${live}`)
      .orderBy(sql`${t.updatedAt} desc`)
    return rows.map((r) => ({ ...r, data: this.#decode(r.data, r.digest), current: false }))
  }

  #expiry(options: ExpiryOptions | undefined): number {
    const at = options?.expiresAt
    if (at !== undefined && at !== null) {
      const ms = typeof at === 'number' ? at : at.getTime()
      if (Number.isFinite(ms)) return ms
    }
    const ttl = options?.ttl
    return Date.now() + (typeof ttl === 'number' && Number.isFinite(ttl) ? ttl : this.ttl)
  }

  /** True when the last write this process saw is within touchAfter (capped at half the new lifetime). */
  #throttled(digest: string, expiresAt: number): boolean {
    const last = this.#writeClock.get(digest)
    if (last === undefined) return false
    const now = Date.now()
    return now - last < Math.min(this.touchAfter, (expiresAt - now) / 2)
  }

  #remember(digest: string, at: number): void {
    this.#writeClock.delete(digest)
    this.#writeClock.set(digest, at)
    if (this.#writeClock.size > WRITE_CLOCK_SIZE) {
      this.#writeClock.delete(this.#writeClock.keys().next().value!)
    }
  }

  #schedule(first: boolean): void {
    const settings = this.#prune
    if (!settings || settings.interval <= 0 || this.#closed) return
    const spread = 1 + settings.jitter * (2 * Math.random() - 1)
    const delay = first ? Math.random() * settings.interval : settings.interval * spread
    this.#timer = setTimeout(() => {
      this.#pruning = this.prune()
      this.#pruning
        .then(
          (result) => this.emit('prune', result),
          (err) => this.#background(err as PgStoreError),
        )
        .finally(() => {
          this.#pruning = undefined
          this.#schedule(false)
        })
    }, delay)
    this.#timer.unref()
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

function acceptable(sid: unknown): sid is string {
  return typeof sid === 'string' && sid.length > 0 && sid.length <= MAX_ID_LENGTH
}

function assertId(sid: unknown): asserts sid is string {
  if (!acceptable(sid)) {
    throw new PgStoreError(
      'INVALID_SESSION_ID',
      `pgstore: a session id must be a non-empty string of at most ${MAX_ID_LENGTH} characters.`,
    )
  }
}

function positive(name: string, value: number | undefined, fallback: number, zeroOk = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new PgStoreError(
      'INVALID_OPTIONS',
      `pgstore: ${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number.`,
    )
  }
  return value
}

/**
 * `work`, or a TIMEOUT after `ms` (0: no bound). One timer, cleared as soon as work settles; the message is
 * only built when the timer fires.
 */
function bounded<T>(work: Promise<T>, ms: number, message: () => string): Promise<T> {
  if (ms === 0) return work
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new PgStoreError('TIMEOUT', message())), ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}
