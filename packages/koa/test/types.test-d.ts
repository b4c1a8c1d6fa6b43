import type { PgStore } from '@pgstore/core'
import type Koa from 'koa'
import session, { type CreateSessionOptions } from 'koa-session'
import { describe, expectTypeOf, it } from 'vitest'
import { type PgSessionStore, pgSessionStore, sessionDefaults } from '../src'

type KoaStore = NonNullable<CreateSessionOptions['store']>

describe('types', () => {
  it('fits koa-session 7 as its external store, with the secure defaults spread in', () => {
    const store = pgSessionStore({ connectionString: 'postgres://localhost/db' })
    expectTypeOf(store).toExtend<KoaStore>()
    expectTypeOf(sessionDefaults({ store })).toEqualTypeOf<CreateSessionOptions>()
    expectTypeOf(session).toBeCallableWith(sessionDefaults({ store, rolling: true }), {} as Koa)
    expectTypeOf(sessionDefaults).toBeCallableWith({ store }, {} as Koa)
  })

  it('carries the session data type to the PgStore underneath', () => {
    type Data = { userId?: string; n?: number }
    const typed = pgSessionStore<Data>({ connectionString: 'x', userId: (d) => d.userId })
    expectTypeOf(typed).toEqualTypeOf<PgSessionStore<Data>>()
    expectTypeOf(typed.store).toEqualTypeOf<PgStore<Data>>()
    // @ts-expect-error userId reads the typed data
    pgSessionStore<Data>({ connectionString: 'x', userId: (d) => d.missing })
  })

  it('accepts an existing store', () => {
    expectTypeOf(pgSessionStore).toBeCallableWith({ store: {} as PgStore })
    // @ts-expect-error a store must be a PgStore
    pgSessionStore({ store: 'postgres://localhost/db' })
  })
})
