/**
 * `pnpm --filter @pgstore/bench statement-mode`: what the unnamed statement mode (`preparedStatements:
 * false`, for poolers without prepared statements) costs against named statements. One process, two
 * stores on one database directly (no pooler), each with its own pool of 8; 16 concurrent `get`s, then
 * `set`s, in alternating 2 s slices, named and unnamed interleaved so drift hits both alike. Prints the
 * median ops/s of each. Makes its own table in its own schema and drops it.
 */
import { randomBytes } from 'node:crypto'
import { PgStore, pgSessionTable } from '@pgstore/core'
import pg from 'pg'
import { BENCH_URL } from './db'
import { median } from './stats'

const SCHEMA = `pgstore_bench_modes_${randomBytes(3).toString('hex')}`
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const SLICE_MS = 2_000
const KEYS = 2_000
const table = pgSessionTable('sessions', { schema: SCHEMA })
const stores = {
  named: new PgStore({ connectionString: BENCH_URL, poolSize: 8, table, createTable: true, prune: false }),
  unnamed: new PgStore({
    connectionString: BENCH_URL,
    poolSize: 8,
    table,
    createTable: true,
    prune: false,
    preparedStatements: false,
  }),
}
const sids = Array.from({ length: KEYS }, () => randomBytes(32).toString('base64url'))

async function slice(call: (sid: string) => Promise<unknown>): Promise<number> {
  const end = Date.now() + SLICE_MS
  let done = 0
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = w; Date.now() < end; i += 16) {
        await call(sids[i % KEYS]!)
        done++
      }
    }),
  )
  return done / (SLICE_MS / 1000)
}

async function main(): Promise<void> {
  for (const sid of sids) await stores.named.set(sid, { n: 1 })
  const rates: Record<string, number[]> = {}
  for (let round = 0; round < ROUNDS; round++) {
    for (const op of ['get', 'set'] as const) {
      for (const [mode, store] of Object.entries(stores)) {
        const call =
          op === 'get' ? (sid: string) => store.get(sid) : (sid: string) => store.set(sid, { n: round })
        const key = `${op} ${mode}`
        rates[key] = [...(rates[key] ?? []), await slice(call)]
      }
    }
  }
  for (const [key, values] of Object.entries(rates)) {
    console.log(`${key.padEnd(12)} ${Math.round(median(values))} ops/s (median of ${values.length} slices)`)
  }
}

main()
  .finally(async () => {
    await stores.named.close()
    await stores.unnamed.close()
    const admin = new pg.Client({ connectionString: BENCH_URL })
    await admin.connect()
    await admin.query(`drop schema if exists "${SCHEMA}" cascade`)
    await admin.end()
  })
  .catch((err) => {
    console.error(err)
    process.exitCode = 1
  })
