/**
 * The Koa 3 + koa-session app, one store per process, with the Express app's routes: `POST /login?u=<n>`,
 * `GET /read`, `POST /write`. The `cookie` variant is koa-session's default, the whole session in a signed
 * cookie; `pgstore` keeps it in PostgreSQL through @pgstore/koa; `plain` in PostgreSQL through the few lines
 * of {@link plainStore}, the one-query-per-call store issue 15's Koa target is measured against.
 */
import Koa from 'koa'
import session, { type CreateSessionOptions } from 'koa-session'
import { childConfig } from '../child'
import { KOA_PLAIN_TABLE, SCHEMA, TABLES } from '../db'
import { createPool, MAX_AGE, reportBatches, SECRET, serveApp } from './shared'

const { variant } = childConfig<{ variant: 'pgstore' | 'plain' | 'cookie' }>()
const pool = createPool()
let close: () => Promise<void> = async () => undefined

/**
 * A koa-session external store as an app would write it: one query per call on the shared node-postgres
 * pool, on a table of its own (id, data, expiry). No id hashing, no touch throttling, no coalescing.
 */
function plainStore(): NonNullable<CreateSessionOptions['store']> {
  const t = `"${SCHEMA}"."${KOA_PLAIN_TABLE}"`
  return {
    async get(key) {
      const r = await pool.query(`select data from ${t} where id = $1 and expiry > now()`, [key])
      return r.rows[0]?.data
    },
    async set(key, sess, maxAge) {
      const ms = typeof maxAge === 'number' ? maxAge : MAX_AGE // koa-session passes 'session' for those
      await pool.query(
        `insert into ${t} (id, data, expiry) values ($1, $2, now() + $3 * interval '1 millisecond')
         on conflict (id) do update set data = excluded.data, expiry = excluded.expiry`,
        [key, sess, ms],
      )
    },
    async destroy(key) {
      await pool.query(`delete from ${t} where id = $1`, [key])
    },
  }
}

async function sessionOptions(): Promise<CreateSessionOptions> {
  const base: CreateSessionOptions = { maxAge: MAX_AGE, httpOnly: true, sameSite: 'lax', signed: true }
  if (variant === 'cookie') return base
  if (variant === 'plain') return { ...base, store: plainStore() }
  const { pgSessionStore } = await import('@pgstore/koa')
  const store = pgSessionStore({ pool, table: TABLES.koa, prune: false })
  reportBatches(store.store)
  close = () => store.store.close()
  return { ...base, store }
}

serveApp(
  'koa',
  pool,
  async () => {
    const app = new Koa()
    app.keys = [SECRET]
    app.use(session(await sessionOptions(), app))
    app.use((ctx) => {
      const s = ctx.session
      if (!s) throw new Error('no session middleware')
      if (ctx.method === 'POST' && ctx.path === '/login') {
        s.userId = String(ctx.query.u ?? 'anonymous')
        s.n = 0
        ctx.body = 'ok'
      } else if (ctx.method === 'GET' && ctx.path === '/read') {
        if (!s.userId) ctx.throw(401, 'no session')
        ctx.body = String(s.userId)
      } else if (ctx.method === 'POST' && ctx.path === '/write') {
        if (!s.userId) ctx.throw(401, 'no session')
        s.n = Number(s.n ?? 0) + 1
        ctx.body = 'ok'
      } else ctx.throw(404)
    })
    return app.listen(0, '127.0.0.1')
  },
  () => close(),
)
