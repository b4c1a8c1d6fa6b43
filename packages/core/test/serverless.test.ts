// In a short-lived runtime the store starts no prune timer (a frozen function would fire it late, at random);
// elsewhere the timer it starts is unref'd, so it never keeps a process alive. Timers are observed by
// watching setTimeout while the store is built: the store sends nothing until its first call.
import { PgStore, type PgStoreOptions } from '@pgstore/core'
import { probeTable, useTestDatabase } from '@pgstore/testing'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SHORT_LIVED_ENV } from '../src/store/runtime'

/** The timers started while building a store with `options`, and the store. */
function build(options: Omit<PgStoreOptions, 'db' | 'table'>, db: ReturnType<typeof useTestDatabase>) {
  const spy = vi.spyOn(globalThis, 'setTimeout')
  try {
    const store = new PgStore({ db: db.db, table: db.table, ...options })
    return { store, timers: spy.mock.results.map((r) => r.value as NodeJS.Timeout) }
  } finally {
    spy.mockRestore()
  }
}

/** A long-lived server: none of the markers set. */
function onServer(): void {
  for (const name of SHORT_LIVED_ENV) vi.stubEnv(name, undefined)
}

describe('the prune timer and the runtime', () => {
  const db = useTestDatabase('pg', { createTable: true })
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.unstubAllGlobals()
  })

  it('on a server, the default prune starts one timer, unref’d', async () => {
    onServer()
    const { store, timers } = build({}, db)
    expect(timers).toHaveLength(1)
    expect(timers[0]!.hasRef()).toBe(false)
    await store.close()
  })

  it.each(SHORT_LIVED_ENV)('with %s set, the store starts no timer and prune() still works', async (name) => {
    onServer()
    vi.stubEnv(name, name === 'VERCEL' ? '1' : 'set')
    const { store, timers } = build({ prune: { batchSize: 10, batchPause: 0 } }, db)
    expect(timers).toHaveLength(0)
    await db.query(
      `insert into ${db.sessions} (id, data, expires_at)
       select 'x' || g, '{}'::jsonb, now() - interval '1 minute' from generate_series(1, 25) g`,
    )
    expect(await store.prune()).toEqual({ deleted: 25, batches: 3, skipped: false })
    expect(await probeTable(db, db.table).count()).toBe(0)
    await store.close()
  })

  it('in an edge runtime (the EdgeRuntime global), the store starts no timer', async () => {
    onServer()
    vi.stubGlobal('EdgeRuntime', 'edge-runtime')
    const { store, timers } = build({}, db)
    expect(timers).toHaveLength(0)
    await store.close()
  })

  it('an empty marker is no marker', async () => {
    onServer()
    vi.stubEnv('VERCEL', '')
    const { store, timers } = build({}, db)
    expect(timers).toHaveLength(1)
    await store.close()
  })

  it('an interval given explicitly is honoured in a short-lived runtime, unref’d', async () => {
    onServer()
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'fn')
    const { store, timers } = build({ prune: { interval: 60_000 } }, db)
    expect(timers).toHaveLength(1)
    expect(timers[0]!.hasRef()).toBe(false)
    await store.close()
  })
})
