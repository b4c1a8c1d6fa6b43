/**
 * Failover under load: a primary and a streaming replica of their own (PostgreSQL 15 clusters on 5441-5444,
 * never the shared server), once with asynchronous and once with synchronous replication. Three stores
 * write at once, four writers each setting a fresh session and getting it back:
 * - postgres.js listing both hosts with target_session_attrs=primary (the documented path),
 * - postgres.js listing both hosts without it (it may land on the standby: 25006, read-only),
 * - node-postgres through `writablePool` (the documented recipe: each new connection asks pg_is_in_recovery).
 * The primary is crashed (immediate stop), stays down OUTAGE_MS (longer than queryTimeout, so calls time
 * out), and the replica is promoted.
 *
 * Measured per store: recovery (the first acknowledged write after the promotion), acknowledged writes
 * missing on the new primary, errors by code, and how many failed writes were written all the same.
 * Asserted: every store serves again within 30 s of the promotion (liveness, not speed), is unhealthy
 * during the outage and healthy after, every error is DB_UNAVAILABLE or TIMEOUT, and with synchronous
 * replication no acknowledged write is lost. Asynchronous loss is reported, not asserted. Then the whole
 * store conformance suite runs on the promoted synchronous pair, through postgres.js listing both hosts
 * (the old primary still down), as an app's store does after a failover.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { describeStoreConformance, digest, pgStoreTarget } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertClusterTools, createReplicaPair, onPort, type ReplicaPair } from '../src/clusters'
import { record } from '../src/figures'
import { writablePool } from '../src/writable-pool'

const WRITERS = 4
const QUERY_TIMEOUT = 2_000
/** How long the primary stays down before the promotion: a failover manager's detection time. */
const OUTAGE_MS = 3_000
/** Liveness bound on recovery after the promotion; not a speed assertion. */
const RECOVERY_BOUND_MS = 30_000

interface Write {
  sid: string
  start: number
  end: number
  /** Undefined when the store acknowledged the write. */
  code?: string
}

interface Driver {
  store: PgStore
  end(): Promise<void>
}

const common = { createTable: true, prune: false, touchAfter: 0, queryTimeout: QUERY_TIMEOUT } as const

const drivers: Record<string, (pair: ReplicaPair) => Driver> = {
  'postgres.js': (pair) => {
    const client = postgres(pair.url, { max: 4, connect_timeout: 2, onnotice: () => undefined })
    return {
      store: new PgStore({ db: drizzle({ client }), ...common }),
      end: () => client.end({ timeout: 1 }),
    }
  },
  'postgres.js without target_session_attrs': (pair) => {
    const url = pair.url.replace(/\?target_session_attrs=primary$/, '')
    const client = postgres(url, { max: 4, connect_timeout: 2, onnotice: () => undefined })
    return {
      store: new PgStore({ db: drizzle({ client }), ...common }),
      end: () => client.end({ timeout: 1 }),
    }
  },
  'node-postgres writablePool': (pair) => {
    const hosts = [pair.primaryPort, pair.replicaPort].map((port) => ({ host: '127.0.0.1', port }))
    const pool = writablePool(hosts, { user: 'postgres', database: 'postgres', max: 4 })
    return { store: new PgStore({ pool, ...common }), end: () => pool.end() }
  },
}

const codeOf = (err: unknown) => (isPgStoreError(err) ? err.code : `not a PgStoreError: ${String(err)}`)

/** WRITERS writers that each set a fresh session and get it back, until stopped. */
function startWriters(store: PgStore) {
  const writes: Write[] = []
  const readErrors: string[] = []
  let readOnlyErrors = 0
  let readMisses = 0
  let running = true
  const failed = (err: unknown) => {
    if (isPgStoreError(err, 'DB_UNAVAILABLE') && err.cause?.sqlstate === '25006') readOnlyErrors += 1
    return codeOf(err)
  }
  const writer = async (w: number) => {
    for (let i = 0; running; i++) {
      const sid = newSessionId()
      const start = Date.now()
      try {
        await store.set(sid, { w, i })
      } catch (err) {
        writes.push({ sid, start, end: Date.now(), code: failed(err) })
        await sleep(10) // a failing store must not turn a writer into a busy loop
        continue
      }
      writes.push({ sid, start, end: Date.now() })
      try {
        if ((await store.get(sid)) === null) readMisses += 1
      } catch (err) {
        readErrors.push(failed(err))
      }
    }
  }
  const done = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)))
  const acked = () => writes.filter((x) => x.code === undefined)
  return {
    writes,
    readErrors,
    get readOnlyErrors() {
      return readOnlyErrors
    },
    get readMisses() {
      return readMisses
    },
    /** Resolves once `count` more writes were acknowledged; throws after RECOVERY_BOUND_MS. */
    async waitForAcks(count: number) {
      const target = acked().length + count
      for (const until = Date.now() + RECOVERY_BOUND_MS; Date.now() < until; await sleep(10)) {
        if (acked().length >= target) return
      }
      throw new Error(`the writers got no ${count} acknowledgements within ${RECOVERY_BOUND_MS} ms`)
    },
    /** The first acknowledged write that started at or after `t`, waiting up to RECOVERY_BOUND_MS from `from`. */
    async firstAckStartedAfter(t: number, from: number): Promise<Write | undefined> {
      for (; Date.now() < from + RECOVERY_BOUND_MS; await sleep(10)) {
        const hit = acked().find((x) => x.start >= t)
        if (hit) return hit
      }
      return undefined
    },
    async stop() {
      running = false
      await done
    },
  }
}

type Load = ReturnType<typeof startWriters>

/** Which of `sids` have a row on the server at `port`. */
function present(port: number, sids: string[]): Promise<Set<string>> {
  const byDigest = new Map(sids.map((sid) => [digest(sid), sid]))
  return onPort(port, async (c) => {
    const { rows } = await c.query<{ id: string }>('select id from http_sessions where id = any($1)', [
      [...byDigest.keys()],
    ])
    return new Set(rows.map((r) => byDigest.get(r.id)!))
  })
}

const tally = (codes: string[]) =>
  Object.fromEntries([...new Set(codes)].sort().map((c) => [c, codes.filter((x) => x === c).length]))

const MODES = [
  { mode: 'asynchronous', synchronous: false, port: 5441 },
  { mode: 'synchronous', synchronous: true, port: 5443 },
]
const pairs = new Map<string, ReplicaPair>()

// Both pairs are made at once (most of the suite's time is initdb and pg_basebackup), and dropped at the
// end whatever happened, a pair whose sibling failed to start included.
beforeAll(async () => {
  await assertClusterTools()
  const made = await Promise.allSettled(
    MODES.map(async ({ mode, synchronous, port }) => {
      pairs.set(mode, await createReplicaPair({ name: `pgstore_fo_${mode.slice(0, 5)}`, port, synchronous }))
    }),
  )
  for (const result of made) if (result.status === 'rejected') throw result.reason
})

afterAll(async () => {
  await Promise.all([...pairs.values()].map((pair) => pair.drop()))
})

describe.each(MODES)('failover with $mode replication', ({ mode, synchronous }) => {
  const running = new Map<string, Driver>()

  beforeAll(() => {
    for (const [name, make] of Object.entries(drivers)) running.set(name, make(pairs.get(mode)!))
  })

  afterAll(async () => {
    for (const { store, end } of running.values()) {
      await store.close()
      await end().catch(() => undefined)
    }
  })

  it('promotes the replica under load: every store recovers, errors are typed, losses are counted', async () => {
    const cluster = pairs.get(mode)!
    const loads = new Map<string, Load>()
    const disconnects = new Map<string, string[]>()
    for (const [name, { store }] of running) {
      const seen: string[] = []
      store.on('disconnect', (e) => seen.push(e.code))
      disconnects.set(name, seen)
      loads.set(name, startWriters(store))
    }
    let stopped = false
    try {
      for (const load of loads.values()) await load.waitForAcks(150)
      const behindBytes = await cluster.replicaBehindBytes()
      await cluster.crashPrimary()
      const crashedAt = Date.now()
      await sleep(OUTAGE_MS)
      const healthyAtPromotion = new Map([...running].map(([name, d]) => [name, d.store.healthy]))
      const promotedAt = Date.now()
      await cluster.promoteReplica()
      const writableAt = Date.now()
      const firsts = new Map<string, Write | undefined>()
      for (const [name, load] of loads)
        firsts.set(name, await load.firstAckStartedAfter(crashedAt, promotedAt))
      for (const load of loads.values()) await load.waitForAcks(150)
      for (const load of loads.values()) await load.stop()
      stopped = true

      const all = [...loads.values()].flatMap((l) => l.writes.map((w) => w.sid))
      const onNewPrimary = await present(cluster.replicaPort, all)
      for (const [name, load] of loads) {
        const first = firsts.get(name)
        expect(
          first,
          `${name}: no write succeeded within ${RECOVERY_BOUND_MS} ms of the promotion`,
        ).toBeDefined()
        const acked = load.writes.filter((w) => w.code === undefined)
        const failed = load.writes.filter((w) => w.code !== undefined)
        const lost = acked.filter((w) => !onNewPrimary.has(w.sid)).length
        const failedButWritten = tally(failed.filter((w) => onNewPrimary.has(w.sid)).map((w) => w.code!))
        const errors = tally([...failed.map((w) => w.code!), ...load.readErrors])
        const figures = {
          writes: load.writes.length,
          acknowledged: acked.length,
          acknowledgedLost: lost,
          recoveryAfterPromotionMs: first!.end - promotedAt,
          recoveryAfterCrashMs: first!.end - crashedAt,
          // Negative when the store wrote before the poll in promoteReplica saw the server take writes.
          recoveryAfterWritableMs: first!.end - writableAt,
          errors,
          readOnlyErrors: load.readOnlyErrors,
          failedButWritten,
          getAfterSetMisses: load.readMisses,
        }
        record('failover', { [`${mode} ${name}`]: { ...figures, outageMs: OUTAGE_MS, behindBytes } })
        console.log(
          `[failover] ${mode}, ${name}: first write ${figures.recoveryAfterPromotionMs} ms after the promote command, ${figures.recoveryAfterWritableMs} ms after the new primary took writes, ${figures.recoveryAfterCrashMs} ms after the crash (${OUTAGE_MS} ms outage); ${lost} of ${acked.length} acknowledged writes lost (replica ${behindBytes} bytes behind before the crash); errors ${JSON.stringify(errors)} (${load.readOnlyErrors} read-only); failed but written ${JSON.stringify(failedButWritten)}; get-after-set misses ${load.readMisses}`,
        )

        expect(
          Object.keys(errors).filter((c) => c !== 'DB_UNAVAILABLE' && c !== 'TIMEOUT'),
          name,
        ).toEqual([])
        expect(disconnects.get(name)!.length, `${name}: the crash went unnoticed`).toBeGreaterThan(0)
        expect(healthyAtPromotion.get(name), `${name}: healthy while no write could succeed`).toBe(false)
        if (synchronous) {
          expect(lost, name).toBe(0)
          expect(load.readMisses, name).toBe(0)
        }
      }
      // The same stores, on the promoted replica, are healthy and serve.
      for (const [name, { store }] of running) {
        const probe = newSessionId()
        await store.set(probe, { after: true })
        expect(await store.get(probe), name).toEqual({ after: true })
        expect(store.healthy, name).toBe(true)
      }
    } finally {
      if (!stopped) for (const load of loads.values()) await load.stop()
    }
  })
})

// After the promotion (the suites run in order): the synchronous pair's replica is the primary, its old
// primary is down, and a store over both hosts must pass the whole contract. The test schema is made on the
// promoted server itself, where the suite also reads the rows back.
const PROMOTED = MODES.find((m) => m.synchronous)!
describeStoreConformance(
  'postgres.js over both hosts after the promotion',
  'pg',
  async (_db, options) => {
    const client = postgres(pairs.get(PROMOTED.mode)!.url, { max: 4, onnotice: () => undefined })
    return pgStoreTarget(new PgStore({ ...options, db: drizzle({ client }) }), () =>
      client.end({ timeout: 1 }),
    )
  },
  { server: `postgres://postgres@127.0.0.1:${PROMOTED.port + 1}/postgres` },
)
