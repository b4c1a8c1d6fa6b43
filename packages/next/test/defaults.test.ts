import { describe, expect, it } from 'vitest'
import { sessionDefaults } from '../src/sessions'

describe('@pgstore/next sessionDefaults', () => {
  it('fills every default, lets what is given win and merges the cookie', () => {
    const before = process.env.NODE_ENV
    try {
      process.env.NODE_ENV = 'production'
      expect(sessionDefaults()).toEqual({
        cookieName: '__Host-pgsid',
        maxAge: 1_209_600,
        rolling: false,
        cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: true },
      })
      const given = sessionDefaults({ maxAge: 60, cookie: { sameSite: 'strict' } })
      expect(given.maxAge).toBe(60)
      expect(given.cookie).toEqual({ path: '/', httpOnly: true, sameSite: 'strict', secure: true })
      expect(given.cookieName).toBe('__Host-pgsid')
      expect(sessionDefaults({ cookie: { domain: 'example.com' } }).cookieName).toBe('pgsid')
      expect(sessionDefaults({ cookieName: 'sid' }).cookieName).toBe('sid')
      process.env.NODE_ENV = 'development'
      expect(sessionDefaults().cookieName).toBe('pgsid')
      expect(sessionDefaults({ cookie: { sameSite: 'none' } }).cookieName).toBe('__Host-pgsid')
    } finally {
      if (before === undefined) delete process.env.NODE_ENV
      else process.env.NODE_ENV = before
    }
  })
})
