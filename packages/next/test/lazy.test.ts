/**
 * Options given as a function: nothing is read, checked or created until the first request, so `next
 * build` imports a lib/session.ts with no environment; misconfiguration is still INVALID_OPTIONS, then.
 */
import { isPgStoreError, PgStore } from '@pgstore/core'
import { useTestDatabase } from '@pgstore/testing'
import { describe, expect, it } from 'vitest'
import { bindSessions, type CreateSessionsOptions } from '../src/sessions'

const SECRET = 'next-lazy-secret-0123456789-abcdefghijk'
const cookies = async () => ({ get: () => undefined, set: () => undefined })
const next = { cookies, cache: <F>(fn: F) => fn }

describe('createSessions(() => options)', () => {
  const db = useTestDatabase('pg')

  it('calls nothing at creation, even with store destructured, and the options once on first use', async () => {
    let calls = 0
    const { store, getSession, close } = bindSessions(() => {
      calls++
      return { store: { db: db.db, table: db.table, createTable: true, prune: false }, secrets: SECRET }
    }, next)
    expect(calls).toBe(0)
    const session = await getSession()
    session.set('count', 1)
    await session.save()
    expect(calls).toBe(1)
    expect(await store.length()).toBe(1)
    expect(store).toBeInstanceOf(PgStore)
    await getSession()
    expect(calls).toBe(1)
    await close()
  })

  it('reports unset secrets and a missing database as INVALID_OPTIONS on first use, not at creation', async () => {
    const env: Record<string, string | undefined> = {}
    const unset = bindSessions(
      (): CreateSessionsOptions => ({
        store: { connectionString: env.DATABASE_URL },
        secrets: env.SESSION_SECRETS?.split(','),
      }),
      next,
    )
    const err = await unset.getSession().catch((e: unknown) => e)
    expect(isPgStoreError(err, 'INVALID_OPTIONS')).toBe(true)
    expect((err as Error).message).toMatch(/secrets is not set/)
    expect(() => unset.hasSessionCookie(new Request('http://app.test/'))).toThrow(/secrets is not set/)
    const route = unset.withSession(async () => new Response('ok'))
    await expect(route(new Request('http://app.test/'), undefined)).rejects.toMatchObject({
      code: 'INVALID_OPTIONS',
    })
    expect(() => unset.store.length).toThrow(/secrets is not set/)

    env.SESSION_SECRETS = SECRET
    const noDatabase = await unset.getSession().catch((e: unknown) => e)
    expect(isPgStoreError(noDatabase, 'INVALID_OPTIONS')).toBe(true)
    expect((noDatabase as Error).message).toMatch(/db, pool or connectionString/)
    await unset.close()
  })

  it('options given as a value are still checked at creation', () => {
    expect(() => bindSessions({ store: { db: db.db }, secrets: [undefined] }, next)).toThrow(
      /secrets is not set/,
    )
  })

  it('with a globalKey, every evaluation of the module shares the first one store', async () => {
    const key = `lazy-test-${Math.random()}`
    const options = (): CreateSessionsOptions => ({
      store: { db: db.db, table: db.table, prune: false },
      secrets: SECRET,
    })
    const first = bindSessions(options, next, { globalKey: key })
    const second = bindSessions(options, next, { globalKey: key })
    const other = bindSessions(options, next)
    await first.getSession()
    await second.getSession()
    await other.getSession()
    // EventEmitter's on() returns the emitter itself: the real store behind each stand-in.
    const real = (s: typeof first) => s.store.on('connect', () => undefined)
    expect(real(second)).toBe(real(first))
    expect(real(other)).not.toBe(real(first))
    expect(() => bindSessions(options, next, { globalKey: '' })).toThrow(/globalKey/)
    await first.close()
    await other.close()
  })
})
