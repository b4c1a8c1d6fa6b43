import type { Session } from '@pgstore/core/web'
import { describe, expectTypeOf, it } from 'vitest'
import type { CreateSessionsOptions, Sessions } from '../src/index'

interface Data {
  userId?: string
  count?: number
}

describe('types', () => {
  it('types the session data by the generic', () => {
    expectTypeOf<ReturnType<Sessions<Data>['getSession']>>().toEqualTypeOf<Promise<Session<Data>>>()
    expectTypeOf<Session<Data>['data']>().toEqualTypeOf<Partial<Data>>()
    expectTypeOf<Session<Data>['get']>().parameter(0).toEqualTypeOf<keyof Data>()
  })

  it('hands the typed session to a withSession handler and keeps the request and context types', () => {
    const sessions = {} as Sessions<Data>
    const handler = sessions.withSession<Request, { params: Promise<{ id: string }> }>(
      async (_req, ctx, s) => {
        expectTypeOf(s).toEqualTypeOf<Session<Data>>()
        expectTypeOf(ctx.params).toEqualTypeOf<Promise<{ id: string }>>()
        return new Response()
      },
    )
    expectTypeOf(handler).parameters.toEqualTypeOf<[Request, { params: Promise<{ id: string }> }]>()
    expectTypeOf(handler).returns.toEqualTypeOf<Promise<Response>>()
  })

  it('accepts a store or its options, and only known cookie attributes', () => {
    expectTypeOf<{
      store: { connectionString: string }
      secrets: string[]
    }>().toExtend<CreateSessionsOptions>()
    expectTypeOf<{
      store: object
      secrets: string[]
      cookie: { sameSite: 'loose' }
    }>().not.toExtend<CreateSessionsOptions>()
    expectTypeOf<{ secrets: string[] }>().not.toExtend<CreateSessionsOptions>()
  })
})
