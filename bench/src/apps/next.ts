/**
 * Next.js route handlers, `(request: Request) => Response`, one session library per process: @pgstore/next's
 * `withSession` or iron-session's `getIronSession(request, response)`. They are served by a small node:http
 * bridge (the conversion to and from Web Request/Response that Next's route handlers also go through), not
 * by a Next server: Next's own routing and rendering cost is the same for both and would only blur the
 * sessions' difference. Routes as in the Express app: `POST /login?u=<n>`, `GET /read`, `POST /write`.
 *
 * Runs with `--conditions=react-server`, as Next's server bundles do, since @pgstore/next is `server-only`.
 */
import { createServer } from 'node:http'
import { childConfig } from '../child'
import { TABLES } from '../db'
import { createPool, MAX_AGE, reportBatches, SECRET, serveApp, webBridge } from './shared'

interface Data {
  userId?: string
  n?: number
}
type Handler = (request: Request, context: { params: Promise<object> }) => Promise<Response>

const { variant } = childConfig<{ variant: 'pgstore' | 'iron-session' }>()
const pool = createPool()
let close: () => Promise<void> = async () => undefined

const text = (body: string, status = 200) =>
  new Response(body, { status, headers: { 'content-type': 'text/plain' } })

async function routes(): Promise<Record<string, Handler>> {
  if (variant === 'pgstore') {
    const { createSessions } = await import('@pgstore/next')
    const sessions = createSessions<Data>({
      store: { pool, table: TABLES.next, prune: false },
      secrets: SECRET,
      maxAge: MAX_AGE / 1000,
      cookie: { secure: false },
    })
    reportBatches(sessions.store)
    close = () => sessions.store.close()
    return {
      'POST /login': sessions.withSession(async (request, _ctx, session) => {
        session.set('userId', new URL(request.url).searchParams.get('u') ?? 'anonymous')
        session.set('n', 0)
        return text('ok')
      }),
      'GET /read': sessions.withSession(async (_request, _ctx, session) => {
        const user = session.get('userId')
        return user ? text(user) : text('no session', 401)
      }),
      'POST /write': sessions.withSession(async (_request, _ctx, session) => {
        if (!session.get('userId')) return text('no session', 401)
        session.set('n', (session.get('n') ?? 0) + 1)
        return text('ok')
      }),
    }
  }
  const { getIronSession } = await import('iron-session')
  const options = {
    password: SECRET,
    cookieName: 'iron',
    ttl: MAX_AGE / 1000,
    cookieOptions: { secure: false, httpOnly: true, sameSite: 'lax' as const },
  }
  return {
    'POST /login': async (request) => {
      const response = text('ok')
      const session = await getIronSession<Data>(request, response, options)
      session.userId = new URL(request.url).searchParams.get('u') ?? 'anonymous'
      session.n = 0
      await session.save()
      return response
    },
    'GET /read': async (request) => {
      const response = text('ok')
      const session = await getIronSession<Data>(request, response, options)
      return session.userId ? text(session.userId) : text('no session', 401)
    },
    'POST /write': async (request) => {
      const response = text('ok')
      const session = await getIronSession<Data>(request, response, options)
      if (!session.userId) return text('no session', 401)
      session.n = (session.n ?? 0) + 1
      await session.save()
      return response
    },
  }
}

/** Dispatches on `METHOD /path` to the route handler, 404 for any other. */
const dispatch = (table: Record<string, Handler>) => (request: Request, route: string) => {
  const handler = table[route]
  return handler ? handler(request, { params: Promise.resolve({}) }) : new Response(null, { status: 404 })
}

serveApp(
  'next',
  pool,
  async () => {
    return createServer(webBridge(dispatch(await routes()))).listen(0, '127.0.0.1')
  },
  () => close(),
)
