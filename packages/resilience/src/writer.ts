/**
 * Child process for the SIGKILL suite: writes one session over and over, each state self-checking (a
 * payload and its SHA-256), and reports `start <n>` before and `ack <n>` after each write on stdout. The
 * parent kills it with SIGKILL at a moment of its choosing.
 *
 * Run: node --import tsx src/writer.ts (env: PGSTORE_URL, PGSTORE_SCHEMA, PGSTORE_SID, PGSTORE_FROM).
 */
import { createHash, randomBytes } from 'node:crypto'
import { PgStore, pgSessionTable } from '@pgstore/core'

const store = new PgStore({
  connectionString: process.env.PGSTORE_URL!,
  table: pgSessionTable('http_sessions', { schema: process.env.PGSTORE_SCHEMA! }),
  maxBytes: 2_000_000,
  prune: false,
})
const sid = process.env.PGSTORE_SID!

for (let n = Number(process.env.PGSTORE_FROM ?? 1); ; n++) {
  const payload = randomBytes(300_000).toString('base64')
  const sum = createHash('sha256').update(payload).digest('hex')
  process.stdout.write(`start ${n}\n`)
  await store.set(sid, { n, payload, sum })
  process.stdout.write(`ack ${n}\n`)
}
