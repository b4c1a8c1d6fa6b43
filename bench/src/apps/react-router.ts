/**
 * React Router 7 resource routes behind its own `createRequestHandler`, one session storage per process:
 * @pgstore/react-router's `createPgSessionStorage`, or React Router's `createCookieSessionStorage`. The
 * server build is a small in-memory one (a root and one resource route per path), as
 * packages/react-router/test/app.ts builds it, bridged to node:http by the same `webBridge` as the Next app. Routes as in
 * the Express app: `POST /login?u=<n>`, `GET /read`, `POST /write`.
 */
import { createServer } from 'node:http'
import { createRequestHandler, type ServerBuild, type SessionStorage } from 'react-router'
import { childConfig } from '../child'
import { TABLES } from '../db'
import { createPool, MAX_AGE, reportBatches, SECRET, serveApp, webBridge } from './shared'

interface Data {
  userId?: string
  n?: number
}
type Args = { request: Request }

const { variant } = childConfig<{ variant: 'pgstore' | 'cookie' }>()
const pool = createPool()
let close: () => Promise<void> = async () => undefined

async function storage(): Promise<SessionStorage<Data>> {
  if (variant === 'pgstore') {
    const { createPgSessionStorage } = await import('@pgstore/react-router')
    const storage = createPgSessionStorage<Data>({
      store: { pool, table: TABLES.reactRouter, prune: false },
      secrets: SECRET,
      maxAge: MAX_AGE / 1000,
      cookie: { secure: false },
    })
    reportBatches(storage.store)
    close = () => storage.close()
    return storage
  }
  const { createCookieSessionStorage } = await import('react-router')
  return createCookieSessionStorage<Data>({
    cookie: {
      name: 'rr',
      secrets: [SECRET],
      maxAge: MAX_AGE / 1000,
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: false,
    },
  })
}

function modules(s: SessionStorage<Data>): Record<string, object> {
  const load = (request: Request) => s.getSession(request.headers.get('cookie'))
  const text = (body: string, status = 200, setCookie?: string) =>
    new Response(body, {
      status,
      headers: { 'content-type': 'text/plain', ...(setCookie ? { 'set-cookie': setCookie } : {}) },
    })
  return {
    login: {
      async action({ request }: Args) {
        const session = await load(request)
        session.set('userId', new URL(request.url).searchParams.get('u') ?? 'anonymous')
        session.set('n', 0)
        return text('ok', 200, await s.commitSession(session))
      },
    },
    read: {
      async loader({ request }: Args) {
        const user = (await load(request)).get('userId')
        return user ? text(user) : text('no session', 401)
      },
    },
    write: {
      async action({ request }: Args) {
        const session = await load(request)
        if (!session.get('userId')) return text('no session', 401)
        session.set('n', (session.get('n') ?? 0) + 1)
        return text('ok', 200, await s.commitSession(session))
      },
    },
  }
}

/** A server build of one root and a resource route (a loader or an action, no component) per module. */
function buildOf(routeModules: Record<string, object>): ServerBuild {
  // A module without a component is a resource route at run time; the build type asks for one regardless.
  const resource = (module: object) => module as NonNullable<ServerBuild['routes'][string]>['module']
  const routes: ServerBuild['routes'] = { root: { id: 'root', path: '', module: resource({}) } }
  for (const [name, module] of Object.entries(routeModules)) {
    routes[name] = { id: name, parentId: 'root', path: name, module: resource(module) }
  }
  return {
    entry: { module: { default: () => new Response('no documents here', { status: 404 }) } },
    routes,
    assets: { entry: { imports: [], module: '' }, routes: {}, url: '', version: 'bench' },
    publicPath: '/',
    assetsBuildDirectory: 'build',
    future: { v8_passThroughRequests: false, v8_trailingSlashAwareDataRequests: false, v8_middleware: false },
    ssr: true,
    isSpaMode: false,
    prerender: [],
    routeDiscovery: { mode: 'lazy', manifestPath: '/__manifest' },
  }
}

serveApp(
  'reactRouter',
  pool,
  async () => {
    const handler = createRequestHandler(buildOf(modules(await storage())), 'production')
    return createServer(webBridge((request) => handler(request))).listen(0, '127.0.0.1')
  },
  () => close(),
)
