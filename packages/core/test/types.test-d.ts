import { PgStore, type PgStoreOptions, type SessionEntry, type SessionMeta, sessions } from '@pgstore/core'
import { createRequestSessions } from '@pgstore/core/web'
import { drizzle } from 'drizzle-orm/pglite'
import { describe, expectTypeOf, it } from 'vitest'

interface Cart {
  user?: { id: string }
  items: string[]
}

describe('types', () => {
  it('types session data through the store', () => {
    const store = new PgStore<Cart>({ db: drizzle.mock(), table: sessions, userId: (d) => d.user?.id })
    expectTypeOf(store.get('x')).resolves.toEqualTypeOf<Cart | null>()
    expectTypeOf(store.listByUser('u')).resolves.toEqualTypeOf<SessionEntry<Cart>[]>()
    expectTypeOf(store.set).parameter(1).toEqualTypeOf<Cart>()
    // @ts-expect-error: items must be a string array
    void store.set('x', { items: [1] })
  })

  it('carries the data type of a typed store into request sessions', async () => {
    const secrets = 'x'.repeat(32)
    const typed = new PgStore<Cart>({ db: drizzle.mock(), table: sessions })
    const carts = createRequestSessions({ store: typed, secrets })
    expectTypeOf(carts.store).toEqualTypeOf<PgStore<Cart>>()
    const session = await carts.load({ get: () => undefined, set() {}, delete() {} })
    expectTypeOf(session.get('items')).toEqualTypeOf<string[] | undefined>()
    // An untyped store serves any data type.
    const untyped = new PgStore({ db: drizzle.mock(), table: sessions })
    expectTypeOf(createRequestSessions<Cart>({ store: untyped, secrets }).store).toEqualTypeOf<
      PgStore<Cart>
    >()
  })

  it('takes request metadata on create and set only, and lists it', () => {
    const store = new PgStore<Cart>({ db: drizzle.mock(), table: sessions })
    void store.create('x', { items: [] }, { ttl: 1, meta: { ip: '203.0.113.7', userAgent: 'curl/8' } })
    void store.set('x', { items: [] }, { meta: null })
    // @ts-expect-error: an update never writes metadata
    void store.update('x', { items: [] }, { meta: { ip: '203.0.113.7' } })
    expectTypeOf<SessionEntry['meta']>().toEqualTypeOf<SessionMeta | null>()
    expectTypeOf<SessionMeta>().toEqualTypeOf<{ ip?: string; userAgent?: string }>()
  })

  it('documents option types', () => {
    expectTypeOf<PgStoreOptions['ttl']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<PgStoreOptions['prune']>().toMatchTypeOf<false | { interval?: number } | undefined>()
  })
})
