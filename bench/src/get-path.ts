/**
 * `pnpm --filter @pgstore/bench get-path`: where a `get` spends client CPU. Runs, in one process and in
 * alternating 2 s slices, 16 concurrent gets through
 * - `core`: `PgStore#get` as shipped (on node-postgres, the Drizzle-built statement sent straight to the
 *   driver, plus the store's call wrapper);
 * - `lean`: the bare driver call: the same lookup as one named statement on the pool, rows as arrays, times as
 *   epoch numbers; the floor for any store on node-postgres;
 * - `cps`: connect-pg-simple's `get`;
 * - `adapter`: what express-session does on a read with `@pgstore/express`: `get`, then `touch` (which sends
 *   nothing inside touchAfter), both with callbacks;
 * and prints client CPU µs per call (`process.cpuUsage`) with calls per second. Writes its own 2,000 rows
 * into the store-level tables first (run it after `prepareDatabase`, i.e. after any bench run).
 */
import { createHash } from 'node:crypto'
import { PgStore } from '@pgstore/core'
import { PgSessionStore } from '@pgstore/express'
import connectPgSimple from 'connect-pg-simple'
import session from 'express-session'
import pg from 'pg'
import { BENCH_URL, CPS_STORE_TABLE, POOL_SIZE, SCHEMA, seededSid, TABLES } from './db'
import { median } from './stats'

const KEYS = 2_000
const pool = new pg.Pool({ connectionString: BENCH_URL, max: POOL_SIZE, idleTimeoutMillis: 0 })
const core = new PgStore({ pool, table: TABLES.store, prune: false })
const cps = new (connectPgSimple(session))({
  pool,
  schemaName: SCHEMA,
  tableName: CPS_STORE_TABLE,
  pruneSessionInterval: false,
})

const adapter = new PgSessionStore({ store: core })
const callback = <T>(fn: (cb: (err: unknown, value?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))))

const LEAN_SQL = `select data::text, (extract(epoch from expires_at) * 1000)::float8,
  (extract(epoch from updated_at) * 1000)::float8 from "${SCHEMA}"."store_sessions"
  where id = $1 and expires_at > now()`

const paths: Record<string, (sid: string) => Promise<unknown>> = {
  core: (sid) => core.get(sid),
  lean: async (sid) => {
    const id = createHash('sha256').update(sid).digest('base64url')
    const r = await pool.query({ name: 'bench_lean_get', text: LEAN_SQL, values: [id], rowMode: 'array' })
    const row = r.rows[0] as [string, number, number] | undefined
    return row ? JSON.parse(row[0]) : null
  },
  adapter: async (sid) => {
    const sess = await callback<session.SessionData | null>((cb) => adapter.get(sid, cb))
    if (sess) await callback((cb) => adapter.touch(sid, sess, cb as () => void))
    return sess
  },
  cps: (sid) =>
    new Promise((resolve, reject) => cps.get(sid, (err, value) => (err ? reject(err) : resolve(value)))),
}

async function slice(
  get: (sid: string) => Promise<unknown>,
  ms: number,
): Promise<{ cpu: number; rate: number }> {
  let calls = 0
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  const end = start + ms
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < end) {
        if (!(await get(seededSid(Math.floor(Math.random() * KEYS)))))
          throw new Error('a seeded row is missing')
        calls += 1
      }
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  return { cpu: (cpu.user + cpu.system) / calls, rate: (calls * 1000) / (performance.now() - start) }
}

for (let i = 0; i < KEYS; i++) {
  // What express-session stores: the data and its cookie.
  const cookie = {
    originalMaxAge: 86_400_000,
    expires: new Date(Date.now() + 86_400_000),
    path: '/',
    httpOnly: true,
  }
  const sess = { userId: `u${i}`, n: 0, cart: ['sku-1', 'sku-2'], cookie }
  await core.set(seededSid(i), sess)
  await new Promise<void>((resolve, reject) =>
    cps.set(seededSid(i), sess as never, (err) => (err ? reject(err) : resolve())),
  )
}

const results: Record<string, { cpu: number[]; rate: number[] }> = {}
for (const get of Object.values(paths)) await slice(get, 500)
for (let round = 0; round < 5; round++) {
  const names = Object.keys(paths)
  for (const name of names.map((_, i) => names[(i + round) % names.length] as string)) {
    const r = await slice(paths[name] as (sid: string) => Promise<unknown>, 2_000)
    results[name] ??= { cpu: [], rate: [] }
    results[name].cpu.push(r.cpu)
    results[name].rate.push(r.rate)
  }
}
console.log('| get path | client CPU µs/call (median) | calls/s (median) |\n| --- | --- | --- |')
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${median(r.cpu).toFixed(1)} | ${Math.round(median(r.rate))} |`)
}
await core.close()
await pool.end()
