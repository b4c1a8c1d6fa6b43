/** The app the flow tests drive: log in, read, log out, flashes, a named session and a failing route. */
import type { PgStoreOptions } from '@pgstore/core'
import type { TestDatabase } from '@pgstore/testing'
import { Hono } from 'hono'
import { type PgSessionOptions, pgSession, type SessionEnv } from '../src/index'

export type Data = { user?: string; views?: number }
export type Cart = { items?: number }
export const SECRET = 'hono-flows-secret-0123456789-abcdefghij'

type Env = SessionEnv<Data> & SessionEnv<Cart, 'cart'>

export function buildApp(
  db: TestDatabase,
  options: Partial<PgSessionOptions> = {},
  store: Partial<PgStoreOptions> = {},
) {
  const main = pgSession<Data>({
    store: { db: db.db, table: db.table, createTable: true, prune: false, ...store },
    secrets: [SECRET],
    ...options,
  })
  const cart = pgSession<Cart, 'cart'>({ store: main.store, secrets: [SECRET], name: 'cart', key: 'cart' })
  const app = new Hono<Env>()
  app.use(main)
  app.use(cart)
  app.post('/login', async (c) => {
    const session = c.get('session')
    await session.regenerate()
    session.set('user', (await c.req.json<{ user: string }>()).user)
    return c.json({ ok: true })
  })
  app.post('/rename', async (c) => {
    c.get('session').set('user', (await c.req.json<{ user: string }>()).user)
    return c.json({ ok: true })
  })
  app.get('/me', (c) => c.json({ user: c.get('session').get('user') ?? null }))
  app.post('/count', (c) => {
    const session = c.get('session')
    session.set('views', (session.get('views') ?? 0) + 1)
    return c.json({ views: session.get('views') })
  })
  app.post('/logout', async (c) => {
    await c.get('session').destroy()
    return c.json({ ok: true })
  })
  app.post('/flash', (c) => {
    c.get('session').flash('info', 'saved')
    return c.json({ ok: true })
  })
  app.get('/flashes', (c) => c.json({ info: c.get('session').flashes('info') }))
  app.post('/cart', (c) => {
    const session = c.get('cart')
    session.set('items', (session.get('items') ?? 0) + 1)
    return c.json({ items: session.get('items'), user: c.get('session').get('user') ?? null })
  })
  app.post('/fail', () => {
    throw new Error('route failed')
  })
  app.post('/fail-after-write', (c) => {
    c.get('session').set('user', 'mallory')
    throw new Error('route failed')
  })
  // Response.redirect has immutable headers: the cookie must still reach the client.
  app.post('/count-and-redirect', (c) => {
    c.get('session').set('views', 1)
    return Response.redirect('http://app.test/me', 303)
  })
  return { app, store: main.store, close: () => main.close() }
}
