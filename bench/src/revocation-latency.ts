/**
 * `pnpm --filter @pgstore/bench revocation-latency`: how long a cached instance goes on serving a session
 * after another instance, without a cache (an admin process), revoked it. Each round creates a session,
 * reads it into the cached instance's cache, revokes it from the uncached one (`destroy`, then
 * `destroyByUser` on alternate rounds) and polls the cached instance, yielding to I/O between reads, until
 * it answers null. Prints the latency from the revoking call's return (its commit) to the first null, in
 * ms: p50, p99 and max over the rounds. Before every store announced its deletions, this was the cache's
 * maxAge (30 s by default).
 */
import { newSessionId, PgStore } from '@pgstore/core'
import { BENCH_URL, prepareDatabase, TABLES } from './db'
import { fmt, percentile } from './stats'

const ROUNDS = Number(process.argv[2] ?? 1_000)
/** A round that sees no announcement gives up here, and counts as this long. */
const GIVE_UP_MS = 30_000

await prepareDatabase()
const table = TABLES.store
const cached = new PgStore<{ user: string }>({
  connectionString: BENCH_URL,
  table,
  prune: false,
  cache: { maxAge: 300_000 },
  userId: (d) => d.user,
})
const admin = new PgStore<{ user: string }>({
  connectionString: BENCH_URL,
  table,
  prune: false,
  userId: (d) => d.user,
})
const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

const latencies: number[] = []
let misses = 0
for (let i = 0; i < ROUNDS; i++) {
  const sid = newSessionId()
  const user = `revocation-${i}`
  await admin.create(sid, { user })
  if ((await cached.get(sid)) === null) throw new Error('bench: the session did not read back')
  if (i % 2 === 0) await admin.destroy(sid)
  else await admin.destroyByUser(user)
  const revoked = performance.now()
  while ((await cached.get(sid)) !== null) {
    if (performance.now() - revoked > GIVE_UP_MS) {
      misses++
      break
    }
    await turn()
  }
  latencies.push(performance.now() - revoked)
}
await cached.close()
await admin.close()

console.log(`revocation reaching a cached instance, ${ROUNDS} rounds (half destroy, half destroyByUser)`)
console.log(
  `  p50 ${fmt(percentile(latencies, 50), 2)} ms   p99 ${fmt(percentile(latencies, 99), 2)} ms   max ${fmt(
    Math.max(...latencies),
    2,
  )} ms   never seen: ${misses}`,
)
if (misses > 0) process.exitCode = 1
