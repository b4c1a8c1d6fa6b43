import type { Session, SessionStorage } from 'react-router'
import { describe, expectTypeOf, it } from 'vitest'
import type { createPgSessionStorage, PgSessionStorage } from '../src/index'

type Data = { userId: string }
type Flash = { notice: string }

describe('types', () => {
  it('is a React Router SessionStorage typed by its data and flash generics', () => {
    const storage = {} as ReturnType<typeof createPgSessionStorage<Data, Flash>>
    expectTypeOf(storage).toEqualTypeOf<PgSessionStorage<Data, Flash>>()
    expectTypeOf(storage).toExtend<SessionStorage<Data, Flash>>()
    expectTypeOf(storage.getSession).returns.resolves.toEqualTypeOf<Session<Data, Flash>>()
    expectTypeOf(storage.commitSession).returns.resolves.toEqualTypeOf<string>()
  })

  it('types get, set and flash by key', () => {
    const session = {} as Session<Data, Flash>
    expectTypeOf(session.get('userId')).toEqualTypeOf<string | undefined>()
    expectTypeOf(session.get('notice')).toEqualTypeOf<string | undefined>()
    expectTypeOf(session.set).parameter(0).toEqualTypeOf<'userId'>()
    expectTypeOf(session.flash).parameter(0).toEqualTypeOf<'notice'>()
  })
})
