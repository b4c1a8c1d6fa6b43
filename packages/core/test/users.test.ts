import { newSessionId, PgStore } from '@pgstore/core'
import { type DbKind, useTestDatabase } from '@pgstore/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

interface Data {
  user?: { id: string }
  n?: number
}

describe.each<DbKind>(['pg', 'pglite'])('per-user sessions and listing on %s', (kind) => {
  const db = useTestDatabase(kind)
  let store: PgStore<Data>

  beforeAll(async () => {
    store = new PgStore<Data>({
      db: db.db,
      table: db.table,
      createTable: true,
      prune: false,
      userId: (data) => data.user?.id,
    })
  })
  afterAll(async () => {
    await store.close()
  })

  it('fills user_id from the extractor, and leaves it null without a user', async () => {
    const sid = newSessionId()
    await store.set(sid, { user: { id: 'u-fill' } })
    const anon = newSessionId()
    await store.set(anon, { n: 1 })
    const rows = await db.query<{ user_id: string | null }>(
      `select user_id from ${db.sessions} order by user_id nulls last`,
    )
    expect(rows.map((r) => r.user_id)).toEqual(['u-fill', null])
  })

  it('lists a user’s live sessions with the current one flagged, and logs out the other devices', async () => {
    const phone = newSessionId()
    const laptop = newSessionId()
    const tablet = newSessionId()
    const stranger = newSessionId()
    for (const sid of [phone, laptop, tablet]) await store.set(sid, { user: { id: 'u1' } })
    await store.set(stranger, { user: { id: 'u2' } })
    const expired = newSessionId()
    await store.set(expired, { user: { id: 'u1' } }, { expiresAt: Date.now() + 50 })
    await db.query(
      `update ${db.sessions} set expires_at = now() - interval '1 minute' where user_id = 'u1' and expires_at < now() + interval '1 minute'`,
    )

    const listed = await store.listByUser('u1', { current: laptop })
    expect(listed).toHaveLength(3)
    expect(listed.filter((e) => e.current)).toHaveLength(1)
    expect(listed.every((e) => e.data.user?.id === 'u1')).toBe(true)
    expect(listed.some((e) => [phone, laptop, tablet].includes(e.digest))).toBe(false)

    expect(await store.destroyByUser('u1', { except: laptop })).toBe(3)
    expect(await store.get(phone)).toBeNull()
    expect(await store.get(tablet)).toBeNull()
    expect(await store.get(laptop)).toEqual({ user: { id: 'u1' } })
    expect(await store.get(stranger)).toEqual({ user: { id: 'u2' } })
  })

  it('revokes one listed session by digest, only for its owner', async () => {
    const a = newSessionId()
    const b = newSessionId()
    await store.set(a, { user: { id: 'u3' } })
    await store.set(b, { user: { id: 'u3' } })
    const other = (await store.listByUser('u3', { current: a })).find((e) => !e.current)!
    expect(await store.destroyByDigest(other.digest, { userId: 'someone-else' })).toBe(false)
    expect(await store.destroyByDigest(other.digest, { userId: 'u3' })).toBe(true)
    expect(await store.get(b)).toBeNull()
    expect(await store.get(a)).not.toBeNull()
  })

  it('ids, all, length and clear see only live rows (clear removes all)', async () => {
    await store.clear()
    const live = [newSessionId(), newSessionId()]
    for (const sid of live) await store.set(sid, { n: 1 })
    const dead = newSessionId()
    await store.set(dead, { n: 2 })
    await db.query(
      `update ${db.sessions} set expires_at = now() - interval '1 second' where data->>'n' = '2'`,
    )
    expect(await store.length()).toBe(2)
    expect(await store.ids()).toHaveLength(2)
    const all = await store.all()
    expect(all.map((e) => e.data.n)).toEqual([1, 1])
    expect(await store.clear()).toBe(3)
    expect(await store.length()).toBe(0)
  })
})
