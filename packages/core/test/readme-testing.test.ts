// test/sessions.test.ts
import { createTestStore, type TestStore } from '@pgstore/core/testing'
import { afterEach, beforeEach, expect, it } from 'vitest'

let t: TestStore<{ userId?: string }>

beforeEach(async () => {
  t = await createTestStore({ userId: (data) => data.userId })
})
afterEach(() => t.close())

it('keeps a session until it is destroyed', async () => {
  await t.store.set('sid-1', { userId: 'u1' })
  expect(await t.store.get('sid-1')).toEqual({ userId: 'u1' })
  await t.store.destroy('sid-1')
  expect(await t.store.get('sid-1')).toBeNull()
})

it('forgets a session past its ttl', async () => {
  await t.store.set('sid-2', { userId: 'u1' }, { ttl: 50 })
  await new Promise((resolve) => setTimeout(resolve, 100))
  expect(await t.store.get('sid-2')).toBeNull()
})

it('logs a user out of the other devices', async () => {
  await t.store.set('phone', { userId: 'u1' })
  await t.store.set('laptop', { userId: 'u1' })
  expect(await t.store.destroyByUser('u1', { except: 'laptop' })).toBe(1)
  expect(await t.store.get('phone')).toBeNull()
  expect(await t.store.get('laptop')).toEqual({ userId: 'u1' })
})
