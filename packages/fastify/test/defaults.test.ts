/** sessionDefaults: what it sets, what it leaves to the app, and the secrets it refuses at startup. */
import { isPgStoreError } from '@pgstore/core'
import { describe, expect, it } from 'vitest'
import { sessionDefaults } from '../src'

const SECRET = 'a-test-secret-of-at-least-32-characters'

describe('sessionDefaults', () => {
  it('gives 256-bit ids, saveUninitialized: false and an httpOnly, SameSite=Lax cookie; the app wins', () => {
    const options = sessionDefaults({ secret: [SECRET, undefined], cookie: { maxAge: 60_000 } })
    expect(options.idGenerator!()).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(options).toMatchObject({ secret: [SECRET], saveUninitialized: false })
    expect(options.cookie).toEqual({ httpOnly: true, sameSite: 'lax', secure: false, maxAge: 60_000 })
    expect(sessionDefaults({ secret: SECRET, saveUninitialized: true }).saveUninitialized).toBe(true)
    expect(
      sessionDefaults({ secret: SECRET }).rolling,
      "@fastify/session's rolling default stays",
    ).toBeUndefined()
  })

  it('refuses a missing or short secret with INVALID_OPTIONS, without echoing it', () => {
    for (const secret of [undefined, [], 'short-secret', [SECRET, 'short-secret']]) {
      let err: unknown
      try {
        sessionDefaults({ secret })
      } catch (e) {
        err = e
      }
      expect(isPgStoreError(err, 'INVALID_OPTIONS'), String(secret)).toBe(true)
      expect((err as Error).message).not.toContain('short-secret')
    }
  })
})
