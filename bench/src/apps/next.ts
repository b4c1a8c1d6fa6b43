/**
 * Next.js route handlers, `(request: Request) => Response`, one session library per process: @pgstore/next's
 * `withSession` or iron-session's `getIronSession(request, response)`. They are served by a small node:http
 * bridge (the conversion to and from Web Request/Response that Next's route handlers also go through), not
 * by a Next server: Next's own routing and rendering cost is the same for both and would only blur the
 * sessions' difference. Routes as in the Express app: `POST /login?u=<n>`, `GET /read`, `POST /write`.
 *
 * Runs with `--conditions=react-server`, as Next's server bundles do, since @pgstore/next is `server-only`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { childConfig } from '../child'
import { TABLES } from '../db'
import { createPool, MAX_AGE, SECRET, serveApp } from './shared'

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

function bridge(table: Record<string, Handler>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const handler = table[`${req.method} ${(req.url ?? '/').split('?')[0]}`]
      if (!handler) {
        res.writeHead(404).end()
        return
      }
      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v)
      const response = await handler(
        new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers }),
        { params: Promise.resolve({}) },
      )
      const out: Record<string, string | string[]> = {}
      response.headers.forEach((v, k) => {
        if (k !== 'set-cookie') out[k] = v
      })
      const cookies = response.headers.getSetCookie()
      if (cookies.length > 0) out['set-cookie'] = cookies
      res.writeHead(response.status, out).end(Buffer.from(await response.arrayBuffer()))
    } catch {
      res.writeHead(500).end()
    }
  }
}

serveApp(
  'next',
  pool,
  async () => {
    return createServer(bridge(await routes())).listen(0, '127.0.0.1')
  },
  () => close(),
)
