import { randomBytes } from 'node:crypto'
import { digestSessionId, isPgStoreError, newSessionId, PgStore } from '@pgstore/core'
import { type DbKind, useTestDatabase } from '@pgstore/testing'
import { afterAll, describe, expect, it } from 'vitest'

const OLD = 'old-key-old-key-old-key-old-key-old-key!'
const NEW = randomBytes(32)

describe.each<DbKind>(['pg', 'pglite'])('encryption at rest on %s', (kind) => {
  const db = useTestDatabase(kind)
  const stores: PgStore[] = []
  const open = (keys: Array<string | Uint8Array> | undefined, acceptPlaintext?: boolean) => {
    const store = new PgStore({
      db: db.db,
      table: db.table,
      createTable: true,
      prune: false,
      ...(keys ? { encryption: { keys, acceptPlaintext } } : {}),
    })
    stores.push(store)
    return store
  }
  const stored = async (sid: string) =>
    (
      await db.query<{ data: unknown }>(`select data from ${db.sessions} where id = $1`, [
        digestSessionId(sid),
      ])
    )[0]?.data

  afterAll(async () => {
    for (const s of stores) await s.close()
  })

  it('stores ciphertext, not the data, and reads it back', async () => {
    const store = open([OLD])
    const sid = newSessionId()
    await store.set(sid, { secret: 'plain-marker-42' })
    const raw = await stored(sid)
    expect(typeof raw).toBe('string')
    expect(JSON.stringify(raw)).not.toContain('plain-marker-42')
    expect(raw as string).toMatch(/^v1\./)
    expect(await store.get(sid)).toEqual({ secret: 'plain-marker-42' })
  })

  it('rotation: a new first key still reads rows sealed with the old one, and writes with the new one', async () => {
    const before = open([OLD])
    const sid = newSessionId()
    await before.set(sid, { v: 'sealed-with-old' })
    const sealedOld = (await stored(sid)) as string

    const rotated = open([NEW, OLD])
    expect(await rotated.get(sid)).toEqual({ v: 'sealed-with-old' })
    await rotated.set(sid, { v: 'sealed-with-new' })
    const sealedNew = (await stored(sid)) as string
    expect(sealedNew.split('.')[1]).not.toBe(sealedOld.split('.')[1])

    const newOnly = open([NEW])
    expect(await newOnly.get(sid)).toEqual({ v: 'sealed-with-new' })
    const oldOnly = open([OLD])
    const err = await oldOnly.get(sid).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'DECRYPTION_FAILED')).toBe(true)
  })

  it('a sealed blob copied into another session row does not open (the id digest is bound in)', async () => {
    const store = open([OLD])
    const a = newSessionId()
    const b = newSessionId()
    await store.set(a, { owner: 'a' })
    await store.set(b, { owner: 'b' })
    await db.query(
      `update ${db.sessions} set data = (select data from ${db.sessions} where id = $1) where id = $2`,
      [digestSessionId(a), digestSessionId(b)],
    )
    const err = await store.get(b).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'DECRYPTION_FAILED')).toBe(true)
    expect((err as Error).message).not.toContain(b)
  })

  it('refuses a plaintext row: writing the table is not enough to rewrite a session', async () => {
    const plain = open(undefined)
    const sid = newSessionId()
    await plain.set(sid, { v: 'plain' })
    const sealed = open([OLD])
    const err = await sealed.get(sid).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'DECRYPTION_FAILED')).toBe(true)
    expect((err as Error).message).toContain('acceptPlaintext')
    // Forged in SQL over a sealed row, too.
    const victim = newSessionId()
    await sealed.set(victim, { admin: false })
    await db.query(`update ${db.sessions} set data = '{"admin": true}'::jsonb where id = $1`, [
      digestSessionId(victim),
    ])
    const forged = await sealed.get(victim).catch((e: unknown) => e)
    expect(isPgStoreError(forged, 'DECRYPTION_FAILED')).toBe(true)
  })

  it('with acceptPlaintext, reads rows written before encryption was on, and seals them on the next write', async () => {
    const plain = open(undefined)
    const sid = newSessionId()
    await plain.set(sid, { v: 'plain' })
    const sealed = open([OLD], true)
    expect(await sealed.get(sid)).toEqual({ v: 'plain' })
    await sealed.set(sid, { v: 'now sealed' })
    expect(typeof (await stored(sid))).toBe('string')
    const err = await plain.get(sid).catch((e: unknown) => e)
    expect(isPgStoreError(err, 'DECRYPTION_FAILED')).toBe(true)
  })

  it('refuses short or malformed keys', () => {
    expect(() => open(['short'])).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => open([randomBytes(16)])).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => open([])).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })
})
