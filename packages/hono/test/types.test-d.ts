import type { Session } from '@pgstore/core/web'
import { Hono, type MiddlewareHandler } from 'hono'
import { describe, expectTypeOf, it } from 'vitest'
import { type PgSessionMiddleware, pgSession, type SessionEnv } from '../src/index'

interface Data {
  userId?: string
}

describe('types', () => {
  it('types c.get("session") by the data generic through SessionEnv', () => {
    const app = new Hono<SessionEnv<Data>>()
    app.get('/', (c) => {
      expectTypeOf(c.get('session')).toEqualTypeOf<Session<Data>>()
      expectTypeOf(c.var.session.get).parameter(0).toEqualTypeOf<'userId'>()
      return c.text('ok')
    })
  })

  it('puts a named session under its own key', () => {
    const cart = {} as PgSessionMiddleware<{ items?: number }, 'cart'>
    expectTypeOf(cart).toExtend<MiddlewareHandler<SessionEnv<{ items?: number }, 'cart'>>>()
    const app = new Hono<SessionEnv<Data> & SessionEnv<{ items?: number }, 'cart'>>()
    app.get('/', (c) => {
      expectTypeOf(c.get('cart')).toEqualTypeOf<Session<{ items?: number }>>()
      expectTypeOf(c.get('session')).toEqualTypeOf<Session<Data>>()
      return c.text('ok')
    })
  })

  it('gives the env to the routes after a chained use()', () => {
    const middleware = {} as ReturnType<typeof pgSession<Data>>
    new Hono().use(middleware).get('/', (c) => {
      expectTypeOf(c.get('session')).toEqualTypeOf<Session<Data>>()
      return c.text('ok')
    })
  })

  it('accepts a store or its options, and only known cookie attributes', () => {
    expectTypeOf(pgSession).parameter(0).toHaveProperty('store')
    // @ts-expect-error not a cookie attribute
    pgSession({ store: {} as never, secrets: 'x', cookie: { maxAge: 1 } })
  })
})
