/**
 * Hono apps served by @hono/node-server, one session library per process: @pgstore/hono's `pgSession`
 * middleware, or hono-sessions' `sessionMiddleware` over its `CookieStore` (Hono has no session of its own;
 * hono-sessions is the most used cookie session for it). Routes as in the Express app: `POST /login?u=<n>`,
 * `GET /read`, `POST /write`.
 */
import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { type Context, Hono } from 'hono'
import { childConfig } from '../child'
import { TABLES } from '../db'
import { createPool, MAX_AGE, reportBatches, SECRET, serveApp } from './shared'

interface Data {
  userId?: string
  n?: number
}
/** What both middlewares put under `c.get('session')`. */
interface AnySession {
  get<K extends keyof Data>(key: K): Data[K] | undefined
  set<K extends keyof Data>(key: K, value: Data[K]): void
}
type Env = { Variables: { session: AnySession } }

const { variant } = childConfig<{ variant: 'pgstore' | 'cookie' }>()
const pool = createPool()
let close: () => Promise<void> = async () => undefined

async function app(): Promise<Hono<Env>> {
  const app = new Hono<Env>()
  if (variant === 'pgstore') {
    const { pgSession } = await import('@pgstore/hono')
    const middleware = pgSession<Data>({
      store: { pool, table: TABLES.hono, prune: false },
      secrets: SECRET,
      maxAge: MAX_AGE / 1000,
      cookie: { secure: false },
    })
    reportBatches(middleware.store)
    close = () => middleware.close()
    app.use(middleware)
  } else {
    const { CookieStore, sessionMiddleware } = await import('hono-sessions')
    app.use(
      sessionMiddleware({
        store: new CookieStore(),
        encryptionKey: SECRET,
        expireAfterSeconds: MAX_AGE / 1000,
        // As @pgstore/hono without `rolling`: a request that changes nothing leaves the cookie alone.
        autoExtendExpiration: false,
        cookieOptions: { sameSite: 'Lax', path: '/', httpOnly: true },
      }),
    )
  }
  const session = (c: Context<Env>) => c.get('session')
  app.post('/login', (c) => {
    session(c).set('userId', c.req.query('u') ?? 'anonymous')
    session(c).set('n', 0)
    return c.text('ok')
  })
  app.get('/read', (c) => {
    const user = session(c).get('userId')
    return user ? c.text(user) : c.text('no session', 401)
  })
  app.post('/write', (c) => {
    if (!session(c).get('userId')) return c.text('no session', 401)
    session(c).set('n', (session(c).get('n') ?? 0) + 1)
    return c.text('ok')
  })
  return app
}

serveApp(
  'hono',
  pool,
  async () => {
    const { fetch } = await app()
    // Without `createServer` options the adaptor makes a node:http server.
    return createAdaptorServer({ fetch }).listen(0, '127.0.0.1') as Server
  },
  () => close(),
)
