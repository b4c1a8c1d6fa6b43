/**
 * What a session created through pgSession records for device lists: the User-Agent by default, what
 * `metadata(c)` returns (the client address from a real @hono/node-server connection), or nothing.
 */
import { getConnInfo } from '@hono/node-server/conninfo'
import { createTestDatabase, digest, probeTable, type TestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PgSessionOptions } from '../src/index'
import { buildApp } from './app'
import { connect, cookieOf } from './transports'

let db: TestDatabase
beforeAll(async () => {
  db = await createTestDatabase('pg')
})
afterAll(() => db?.close())

async function metaAfterLogin(options: Partial<PgSessionOptions>) {
  const built = buildApp(db, options)
  const client = await connect(built.app, 'node-server')
  try {
    const login = await client.fetch(
      new Request('http://app.test/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'hono-test/1.0' },
        body: JSON.stringify({ user: 'frank' }),
      }),
    )
    const cookie = cookieOf(login)
    const sid = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).split('.')[0]!
    const [row] = await db.query<{ meta: unknown }>(
      `select meta from ${probeTable(db, db.table).name} where id = $1`,
      [digest(sid)],
    )
    return row?.meta
  } finally {
    await client.close()
    await built.close()
  }
}

describe('@pgstore/hono metadata', () => {
  it('records the User-Agent by default', async () => {
    expect(await metaAfterLogin({})).toEqual({ userAgent: 'hono-test/1.0' })
  })

  it('records what metadata(c) returns, such as the address of the connection', async () => {
    const meta = await metaAfterLogin({
      metadata: (c) => ({ ip: getConnInfo(c).remote.address, userAgent: c.req.header('user-agent') }),
    })
    expect(meta).toMatchObject({ userAgent: 'hono-test/1.0' })
    expect((meta as { ip?: string }).ip).toMatch(/127\.0\.0\.1$/)
  })

  it('records nothing with metadata: false', async () => {
    expect(await metaAfterLogin({ metadata: false })).toBeNull()
  })
})
