/**
 * The Express 5 + express-session app, one store per process. Routes:
 * - `POST /login?u=<n>`: creates a session (the request carries no cookie);
 * - `GET /read`: loads the session and changes nothing;
 * - `POST /write`: changes one field of the session.
 */
import type { CacheOptions, SessionTable } from '@pgstore/core'
import express from 'express'
import session from 'express-session'
import { childConfig } from '../child'
import { addStatement } from '../count'
import { BENCH_URL, backendName, CPS_TABLE, POOL_SIZE, REDIS_URL, SCHEMA, TABLES } from '../db'
import { createPool, MAX_AGE, reportBatches, SECRET, serveApp } from './shared'

export type ExpressVariant =
  | 'pgstore'
  | 'pgstore-postgresjs'
  | 'pgstore-cache'
  | 'pgstore-cache-5min'
  | 'pgstore-alone'
  | 'connect-pg-simple'
  | 'connect-redis'
  | 'memory'

declare module 'express-session' {
  interface SessionData {
    userId: string
    n: number
  }
}

const { variant } = childConfig<{ variant: ExpressVariant }>()
const pool = createPool()
let close: () => Promise<void> = async () => undefined

async function createStore(): Promise<session.Store> {
  switch (variant) {
    case 'memory':
      return new session.MemoryStore()
    case 'connect-pg-simple': {
      const { default: connectPgSimple } = await import('connect-pg-simple')
      const PgSession = connectPgSimple(session)
      const store = new PgSession({
        pool,
        schemaName: SCHEMA,
        tableName: CPS_TABLE,
        pruneSessionInterval: false,
      })
      close = async () => store.close()
      return store
    }
    case 'connect-redis': {
      const { createClient } = await import('redis')
      const { RedisStore } = await import('connect-redis')
      const client = createClient({ url: REDIS_URL })
      client.on('error', () => undefined)
      await client.connect()
      close = async () => {
        await client.quit()
      }
      return new RedisStore({ client, prefix: 'pgstore-bench:' })
    }
    case 'pgstore-postgresjs': {
      // The same store on postgres.js, which pipelines queries on its connections instead of one query per
      // connection at a time.
      const { PgSessionStore } = await import('@pgstore/express')
      const { default: postgres } = await import('postgres')
      const { drizzle } = await import('drizzle-orm/postgres-js')
      const sql = postgres(BENCH_URL, {
        max: POOL_SIZE,
        connection: { application_name: backendName(process.pid) },
        debug: () => addStatement(),
        onnotice: () => undefined,
      })
      const store = new PgSessionStore({
        db: drizzle({ client: sql }),
        table: TABLES.expressPostgresjs,
        prune: false,
      })
      reportBatches(store.store)
      close = async () => {
        await store.close()
        await sql.end()
      }
      return store
    }
    case 'pgstore':
      return pgSessionStore(TABLES.express, false)
    case 'pgstore-alone':
      // Coalescing off: every store call is its own statement, for the comparison of issue 15.
      return pgSessionStore(TABLES.expressAlone, false, false)
    case 'pgstore-cache':
      // The opt-in read cache: a read whose session is cached sends no statement. Its LISTEN connection is
      // one of the pool's.
      return pgSessionStore(TABLES.expressCache, {})
    case 'pgstore-cache-5min':
      // The same cache with entries trusted for 5 minutes instead of 30 s. Each variant pauses between its
      // slices while the others run, so with 30 s part of each read burst finds its entries expired (0.12 to
      // 0.17 statements per cached read in the full runs, against 0.00 with 5 minutes); a steadily loaded app
      // misses once per session per maxAge.
      return pgSessionStore(TABLES.expressCache5, { maxAge: 300_000 })
  }
}

/** `@pgstore/express` on the shared pool, with the read cache when `cache` is given. */
async function pgSessionStore(
  table: SessionTable,
  cache: CacheOptions | false,
  coalesce = true,
): Promise<session.Store> {
  const { PgSessionStore } = await import('@pgstore/express')
  const store = new PgSessionStore({ pool, table, prune: false, cache, coalesce })
  reportBatches(store.store)
  close = () => store.close()
  return store
}

serveApp(
  'express',
  pool,
  async () => {
    const app = express()
    app.set('etag', false)
    app.use(
      session({
        store: await createStore(),
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
        cookie: { maxAge: MAX_AGE, httpOnly: true, sameSite: 'lax' },
      }),
    )
    app.post('/login', (req, res) => {
      req.session.userId = String(req.query.u ?? 'anonymous')
      req.session.n = 0
      res.send('ok')
    })
    app.get('/read', (req, res) => {
      if (!req.session.userId) return void res.status(401).send('no session')
      res.send(req.session.userId)
    })
    app.post('/write', (req, res) => {
      if (!req.session.userId) return void res.status(401).send('no session')
      req.session.n = (req.session.n ?? 0) + 1
      res.send('ok')
    })
    return app.listen(0, '127.0.0.1')
  },
  () => close(),
)
