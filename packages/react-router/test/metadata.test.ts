/**
 * Device lists: given the `Request` itself, `getSession` reads its Cookie header and a session it creates
 * records the request's metadata (the User-Agent by default, core's `requestMetadata` rule); given only a
 * Cookie header, as React Router's own signature has it, nothing is recorded. On PostgreSQL and PGlite.
 */
import { PgStore } from '@pgstore/core'
import { useTestDatabase } from '@pgstore/testing'
import { describe, expect, it } from 'vitest'
import { createPgSessionStorage, type PgSessionStorageOptions } from '../src/index'

const SECRET = 'react-router-metadata-secret-0123456789-ab'
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

for (const kind of ['pg', 'pglite'] as const) {
  describe(`@pgstore/react-router metadata on ${kind}`, () => {
    const db = useTestDatabase(kind, { createTable: true })

    async function loginAs(
      user: string,
      source: string | Request | null,
      options: Partial<PgSessionStorageOptions> = {},
    ) {
      const store = new PgStore<{ user?: string }>({
        db: db.db,
        table: db.table,
        prune: false,
        userId: (data) => data.user,
      })
      const storage = createPgSessionStorage<{ user?: string }>({ store, secrets: [SECRET], ...options })
      try {
        const session = await storage.getSession(source)
        session.set('user', user)
        const cookie = (await storage.commitSession(session)).split(';')[0]!
        const [entry] = await store.listByUser(user)
        const again = await storage.getSession(new Request('http://app.test/', { headers: { cookie } }))
        return { meta: entry?.meta ?? null, readBack: again.get('user') }
      } finally {
        await store.close()
      }
    }

    it('records the User-Agent of the Request it was given, and reads its cookie', async () => {
      const request = new Request('http://app.test/login', { headers: { 'user-agent': UA } })
      const { meta, readBack } = await loginAs('ua-user', request)
      expect(meta).toEqual({ userAgent: UA })
      expect(readBack).toBe('ua-user')
    })

    it('records nothing from a bare Cookie header', async () => {
      const { meta, readBack } = await loginAs('header-user', null)
      expect(meta).toBeNull()
      expect(readBack).toBe('header-user')
    })

    it('follows the metadata option: a function, or false', async () => {
      const request = new Request('http://app.test/login', {
        headers: { 'user-agent': UA, 'x-forwarded-for': '203.0.113.9' },
      })
      const custom = await loginAs('custom-user', request, {
        metadata: (r) => ({ ip: r.headers.get('x-forwarded-for') ?? undefined, userAgent: 'custom' }),
      })
      expect(custom.meta).toEqual({ ip: '203.0.113.9', userAgent: 'custom' })
      const none = await loginAs('none-user', request, { metadata: false })
      expect(none.meta).toBeNull()
    })
  })
}
