import type { PgStore } from '@pgstore/core'
import session, { type SessionData, type SessionOptions, type Store } from 'express-session'
import { describe, expectTypeOf, it } from 'vitest'
import { genid, type ImportResult, importConnectPgSimple, PgSessionStore, sessionDefaults } from '../src'

declare module 'express-session' {
  interface SessionData {
    cart: string[]
  }
}

declare const store: PgSessionStore

describe('types', () => {
  it('is an express-session Store with typed session data', () => {
    expectTypeOf(store).toExtend<Store>()
    expectTypeOf(store.store).toEqualTypeOf<PgStore<SessionData>>()
    expectTypeOf(session).toBeCallableWith({ store, secret: 's', resave: false, saveUninitialized: false })
  })

  it('returns a promise without a callback and nothing with one', () => {
    expectTypeOf(store.get('sid')).toEqualTypeOf<Promise<SessionData | null>>()
    expectTypeOf(store.get('sid', () => undefined)).toEqualTypeOf<void>()
    expectTypeOf(store.length()).toEqualTypeOf<Promise<number>>()
    expectTypeOf(store.all()).toEqualTypeOf<Promise<Record<string, SessionData>>>()
    expectTypeOf(store.ids()).toEqualTypeOf<Promise<string[]>>()
  })

  it('types userId by the augmented SessionData', () => {
    new PgSessionStore({
      connectionString: 'postgres://x',
      userId: (sess) => {
        expectTypeOf(sess.cart).toEqualTypeOf<string[]>()
        return sess.cart[0]
      },
    })
    // @ts-expect-error an array is not a user id
    new PgSessionStore({ connectionString: 'postgres://x', userId: (sess) => sess.cart })
  })

  it('types the helpers', () => {
    expectTypeOf(genid).returns.toEqualTypeOf<string>()
    expectTypeOf(sessionDefaults({ secret: 's' })).toEqualTypeOf<SessionOptions>()
    // The README's rotation pattern: OLD_SESSION_SECRET is unset until the first rotation.
    expectTypeOf(sessionDefaults).toBeCallableWith({
      secret: [process.env.SESSION_SECRET, process.env.OLD_SESSION_SECRET],
    })
    expectTypeOf(importConnectPgSimple({ db: undefined as never })).toEqualTypeOf<Promise<ImportResult>>()
  })
})
