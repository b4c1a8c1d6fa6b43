/** The flows over a listening Fastify server and real HTTP (fetch), not `inject`: cookies as a browser sends them. */
import { type DbKind, probeTable, useTestDatabase } from '@pgstore/testing'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { PgSessionStore } from '../src'
import { createApp, sessionCookie } from './app'

describe.each<DbKind>(['pg', 'pglite'])('a listening Fastify server on %s', (kind) => {
  const db = useTestDatabase(kind, { createTable: true })
  let app: FastifyInstance | undefined
  let store: PgSessionStore | undefined
  afterEach(async () => {
    await app?.close()
    await store?.close()
  })

  it('logs in, reads, regenerates on a second login, and logs out for good', async () => {
    store = new PgSessionStore({ db: db.db, table: db.table, prune: false })
    app = await createApp(store, { cookie: { maxAge: 3_600_000 } })
    const base = await app.listen({ port: 0, host: '127.0.0.1' })
    const call = async (method: string, path: string, cookie?: string) => {
      const res = await fetch(base + path, { method, headers: cookie ? { cookie } : {} })
      const headers = { 'set-cookie': res.headers.getSetCookie() }
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers }
    }

    const login = await call('POST', '/login/eve')
    expect(login.status).toBe(200)
    const cookie = sessionCookie(login)!
    expect(sessionCookie(login)).toBeDefined()
    expect((await call('POST', '/views', cookie)).body).toMatchObject({ id: login.body.id, views: 1 })
    expect((await call('GET', '/whoami', cookie)).body).toMatchObject({ user: 'eve', views: 1 })

    const again = await call('POST', '/login/eve', cookie)
    expect(again.body.id).not.toBe(login.body.id)
    expect(await probeTable(db, db.table).row(login.body.id as string)).toBeUndefined()
    const current = sessionCookie(again)!

    expect((await call('POST', '/logout', current)).status).toBe(200)
    expect(await probeTable(db, db.table).row(again.body.id as string)).toBeUndefined()
    expect((await call('GET', '/whoami', current)).body).toMatchObject({ user: null, views: 0 })
  })
})
