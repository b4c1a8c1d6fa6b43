/**
 * A store pointed at a database the server refuses (a misspelt database name) fails every request that
 * reaches it with INVALID_OPTIONS through next(err): 500, not the 503 of an outage, and no `disconnect`, so
 * express-session keeps asking the store and the mistake shows on every request instead of the app
 * quietly running without sessions.
 */
import { randomBytes } from 'node:crypto'
import { DATABASE_URL, freshName } from '@pgstore/testing'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { PgSessionStore } from '../src'
import { createApp, signedCookie } from './app'

function codeOf(err: unknown): string | undefined {
  return (err as { code?: string }).code
}

describe('a database the server refuses', () => {
  it('answers 500 with INVALID_OPTIONS on every request, and never degrades to 503', async () => {
    const url = new URL(DATABASE_URL)
    url.pathname = `/${freshName('pgstore_nodb')}`
    const store = new PgSessionStore({ connectionString: url.toString(), prune: false })
    let disconnected = false
    store.on('disconnect', () => {
      disconnected = true
    })
    const errors: unknown[] = []
    const app = createApp(store, {}, { onError: (err) => errors.push(err) })
    try {
      const cookie = signedCookie(randomBytes(32).toString('base64url'))
      for (let i = 0; i < 2; i++) {
        const res = await request(app).get('/whoami').set('Cookie', cookie)
        expect(res.status).toBe(500)
        expect(res.body.code).toBe('INVALID_OPTIONS')
        expect(res.body.message).toContain('does not exist')
      }
      // A new visitor's session is saved after the response has started (express-session), so the status
      // is already sent; the failed save still reaches the error handler rather than vanishing.
      await request(app).post('/views')
      expect(errors.map(codeOf)).toEqual(['INVALID_OPTIONS', 'INVALID_OPTIONS', 'INVALID_OPTIONS'])
      expect(disconnected).toBe(false)
      expect(store.store.healthy).toBe(true)
    } finally {
      await store.close()
    }
  })
})
