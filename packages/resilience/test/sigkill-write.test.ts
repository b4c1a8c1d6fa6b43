/**
 * The app process is SIGKILLed in the middle of a write, ten times. A write is one upsert statement, so
 * afterwards the row is the last acknowledged state or the one being written, never a mix, and always
 * valid JSON whose payload matches its checksum.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { digestSessionId, newSessionId } from '@pgstore/core'
import { createTestDatabase, DATABASE_URL, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { record } from '../src/figures'

const ROUNDS = 8
/** How long after a `start` the kill lands: from before the statement is sent to around its commit. */
const KILL_DELAYS_MS = [0, 3, 8, 15, 25, 40, 60, 90]
const cwd = fileURLToPath(new URL('..', import.meta.url))
let db: TestDatabase

beforeAll(async () => {
  db = await createTestDatabase('pg')
  const { PgStore } = await import('@pgstore/core')
  const setup = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
  await setup.set(newSessionId(), { warm: true })
  await setup.close()
})

afterAll(async () => {
  await db?.close()
})

/** Starts the writer and resolves with its state once `acks` writes were acknowledged, then kills it. */
function runAndKill(
  sid: string,
  from: number,
  acks: number,
  delay: number,
): Promise<{ started: number; acked: number }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/writer.ts'], {
      cwd,
      env: {
        ...process.env,
        PGSTORE_URL: DATABASE_URL,
        PGSTORE_SCHEMA: db.schema,
        PGSTORE_SID: sid,
        PGSTORE_FROM: String(from),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let started = from - 1
    let acked = from - 1
    let seen = 0
    let armed = false
    let buffered = ''
    let stderr = ''
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk)
    })
    child.stdout!.on('data', (chunk) => {
      buffered += String(chunk)
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        const [what, n] = line.split(' ')
        if (what === 'start') started = Number(n)
        if (what === 'ack') {
          acked = Number(n)
          seen += 1
        }
      }
      // Kill right after a `start`: the write is on the wire or in the server.
      if (seen >= acks && started > acked && !armed) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), delay)
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ started, acked })
      else reject(new Error(`writer exited with ${code}: ${stderr.slice(0, 500)}`))
    })
  })
}

it('leaves the old or the new state, never a corrupt row, when the writer is SIGKILLed mid-write', async () => {
  const sid = newSessionId()
  const outcomes = { lastAcknowledged: 0, inFlight: 0 }
  let next = 1
  for (let round = 0; round < ROUNDS; round++) {
    const { started, acked } = await runAndKill(sid, next, 1 + (round % 3), KILL_DELAYS_MS[round]!)
    const rows = await db.query<{ text: string }>(
      `select data::text as text from ${db.sessions} where id = $1`,
      [digestSessionId(sid)],
    )
    expect(rows).toHaveLength(1)
    const data = JSON.parse(rows[0]!.text) as { n: number; payload: string; sum: string }
    expect(createHash('sha256').update(data.payload).digest('hex')).toBe(data.sum)
    expect([acked, started]).toContain(data.n)
    if (data.n === started) outcomes.inFlight += 1
    else outcomes.lastAcknowledged += 1
    next = started + 1
  }
  record('sigkill-write', {
    kills: ROUNDS,
    rowsAtLastAcknowledgedWrite: outcomes.lastAcknowledged,
    rowsAtWriteInFlight: outcomes.inFlight,
    corrupt: 0,
  })
})
