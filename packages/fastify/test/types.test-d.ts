import type { FastifySessionOptions, SessionStore } from '@fastify/session'
import type { PgStore } from '@pgstore/core'
import type { FastifyRequest, Session } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import { PgSessionStore, sessionDefaults } from '../src'

declare module 'fastify' {
  interface Session {
    cart?: string[]
  }
}

declare const store: PgSessionStore

describe('types', () => {
  it("is a @fastify/session store with the app's Session as its data", () => {
    expectTypeOf(store).toExtend<SessionStore>()
    expectTypeOf(store.store).toEqualTypeOf<PgStore<Session>>()
    expectTypeOf(sessionDefaults({ store, secret: 'x' })).toEqualTypeOf<FastifySessionOptions>()
  })

  it('types userId by the augmented Session and metadata by the Fastify request', () => {
    new PgSessionStore({
      connectionString: 'postgres://x',
      userId: (sess) => {
        expectTypeOf(sess.cart).toEqualTypeOf<string[] | undefined>()
        return sess.cart?.[0]
      },
      metadata: (request) => {
        expectTypeOf(request).toEqualTypeOf<FastifyRequest>()
        return { ip: request.ip }
      },
    })
    // @ts-expect-error an array is not a user id
    new PgSessionStore({ connectionString: 'postgres://x', userId: (sess) => sess.cart })
  })

  it('takes secrets as configuration gives them, unset entries included', () => {
    sessionDefaults({ store, secret: [process.env.SESSION_SECRET, process.env.OLD_SESSION_SECRET] })
    // @ts-expect-error a secret is a string
    sessionDefaults({ store, secret: 42 })
  })
})
