/**
 * Failover under load: a primary and a streaming replica of their own (PostgreSQL 15 clusters on 5441-5444,
 * never the shared server), once with asynchronous and once with synchronous replication. Eight writers
 * set and get sessions through postgres.js listing both hosts with target_session_attrs=primary; the
 * primary is crashed (immediate stop), and after an outage the replica is promoted.
 *
 * Measured per mode: recovery (the first acknowledged write after the promotion), acknowledged writes
 * missing on the new primary, errors by code, and how many failed writes were written all the same.
 * Asserted: the store serves again within 30 s (liveness, not speed), every error is DB_UNAVAILABLE or
 * TIMEOUT, and with synchronous replication no acknowledged write is lost. Asynchronous loss is reported.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { digest } from '@pgstore/testing'
import { drizzle } from 'drizzle-orm/postgres-js'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertClusterTools, createReplicaPair, type ReplicaPair } from '../src/clusters'
import { record } from '../src/figures'

const WRITERS = 8
const QUERY_TIMEOUT = 2_000
/** How long the primary stays down before the promotion: a failover manager's detection time. */
const OUTAGE_MS = 1_500
/** Liveness bound on recovery after the promotion; not a speed assertion. */
const RECOVERY_BOUND_MS = 30_000

interface Write {
  sid: string
  start: number
  end: number
  /** Undefined when the store acknowledged the write. */
  code?: string
}

const codeOf = (err: unknown) => (isPgStoreError(err) ? err.code : `not a PgStoreError: ${String(err)}`)

/** Writers that each set a fresh session and get it back, until stopped. */
function startWriters(store: PgStore) {
  const writes: Write[] = []
  const readErrors: string[] = []
  let readMisses = 0
  let running = true
  const writer = async (w: number) => {
    for (let i = 0; running; i++) {
      const sid = newSessionId()
      const start = Date.now()
      try {
        await store.set(sid, { w, i })
      } catch (err) {
        writes.push({ sid, start, end: Date.now(), code: codeOf(err) })
        await sleep(10) // a failing store must not turn a writer into a busy loop
        continue
      }
      writes.push({ sid, start, end: Date.now() })
      try {
        if ((await store.get(sid)) === null) readMisses += 1
      } catch (err) {
        readErrors.push(codeOf(err))
      }
    }
  }
  const done = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)))
  const acked = () => writes.filter((x) => x.code === undefined)
  return {
    writes,
    readErrors,
    get readMisses() {
      return readMisses
    },
    /** Resolves once `count` more writes were acknowledged. */
    async waitForAcks(count: number, bound = RECOVERY_BOUND_MS) {
      const target = acked().length + count
      for (const until = Date.now() + bound; Date.now() < until; await sleep(10)) {
        if (acked().length >= target) return
      }
      throw new Error(`the writers got no ${count} acknowledgements within ${bound} ms`)
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

/** Which of `sids` have a row on the server at `port`. */
async function present(port: number, sids: string[]): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` })
  await client.connect()
  try {
    const byDigest = new Map(sids.map((sid) => [digest(sid), sid]))
    const { rows } = await client.query<{ id: string }>('select id from http_sessions where id = any($1)', [
      [...byDigest.keys()],
    ])
    return new Set(rows.map((r) => byDigest.get(r.id)!))
  } finally {
    await client.end()
  }
}

const tally = (codes: string[]) =>
  Object.fromEntries([...new Set(codes)].sort().map((c) => [c, codes.filter((x) => x === c).length]))

beforeAll(async () => {
  await assertClusterTools()
})

describe.each([
  { mode: 'asynchronous', synchronous: false, port: 5441 },
  { mode: 'synchronous', synchronous: true, port: 5443 },
])('failover with $mode replication', ({ mode, synchronous, port }) => {
  let pair: ReplicaPair | undefined
  let client: postgres.Sql | undefined
  let store: PgStore | undefined

  beforeAll(async () => {
    pair = await createReplicaPair({ name: `pgstore_fo_${mode.slice(0, 5)}`, port, synchronous })
    client = postgres(pair.url, { max: 4, connect_timeout: 2, onnotice: () => undefined })
    store = new PgStore({
      db: drizzle({ client }),
      createTable: true,
      prune: false,
      touchAfter: 0,
      queryTimeout: QUERY_TIMEOUT,
    })
  })

  afterAll(async () => {
    await store?.close()
    await client?.end({ timeout: 1 }).catch(() => undefined)
    await pair?.drop()
  })

  it('promotes the replica under load: the store recovers, errors are typed, losses are counted', async () => {
    const cluster = pair!
    const disconnects: string[] = []
    store!.on('disconnect', (e) => disconnects.push(e.code))
    const load = startWriters(store!)
    let stopped = false
    try {
      await load.waitForAcks(300)
      await cluster.crashPrimary()
      const crashedAt = Date.now()
      await sleep(OUTAGE_MS)
      const promotedAt = Date.now()
      await cluster.promoteReplica()
      const first = await load.firstAckStartedAfter(crashedAt, promotedAt)
      expect(first, `no write succeeded within ${RECOVERY_BOUND_MS} ms of the promotion`).toBeDefined()
      await load.waitForAcks(300)
      await load.stop()
      stopped = true

      const acked = load.writes.filter((w) => w.code === undefined)
      const failed = load.writes.filter((w) => w.code !== undefined)
      const onNewPrimary = await present(
        cluster.replicaPort,
        load.writes.map((w) => w.sid),
      )
      const lost = acked.filter((w) => !onNewPrimary.has(w.sid)).length
      const failedButWritten = tally(failed.filter((w) => onNewPrimary.has(w.sid)).map((w) => w.code!))
      const errors = tally([...failed.map((w) => w.code!), ...load.readErrors])
      const figures = {
        writes: load.writes.length,
        acknowledged: acked.length,
        acknowledgedLost: lost,
        recoveryAfterPromotionMs: first!.end - promotedAt,
        recoveryAfterCrashMs: first!.end - crashedAt,
        outageMs: OUTAGE_MS,
        errors,
        failedButWritten,
        readMisses: load.readMisses,
      }
      record('failover', { [mode]: figures })
      console.log(
        `[failover] ${mode}: first write ${figures.recoveryAfterPromotionMs} ms after promotion (${figures.recoveryAfterCrashMs} ms after the crash, ${OUTAGE_MS} ms outage); ${lost} of ${acked.length} acknowledged writes lost; errors ${JSON.stringify(errors)}; failed but written ${JSON.stringify(failedButWritten)}; get-after-set misses ${load.readMisses}`,
      )

      expect(
        failed.length + load.readErrors.length,
        'the crash caused no error: was it a crash?',
      ).toBeGreaterThan(0)
      expect(Object.keys(errors).filter((c) => c !== 'DB_UNAVAILABLE' && c !== 'TIMEOUT')).toEqual([])
      expect(disconnects.length).toBeGreaterThan(0)
      if (synchronous) {
        expect(lost).toBe(0)
        expect(load.readMisses).toBe(0)
      }
      // The same store, on the promoted replica, is healthy and serves.
      const probe = newSessionId()
      await store!.set(probe, { after: true })
      expect(await store!.get(probe)).toEqual({ after: true })
      expect(store!.healthy).toBe(true)
    } finally {
      if (!stopped) await load.stop()
    }
  })
})
