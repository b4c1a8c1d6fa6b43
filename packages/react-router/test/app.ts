/**
 * React Router's own request handler over an in-memory server build: resource routes (a loader or action
 * and no component) that use the storage the way an app's route modules do, so every request goes through
 * `createRequestHandler` as it would in production.
 */
import { createRequestHandler, type ServerBuild, type SessionStorage } from 'react-router'

export type Data = { views?: number; user?: string }
export type Flash = { notice: string }
export type Storage = SessionStorage<Data, Flash> & {
  regenerateSession(session: Awaited<ReturnType<SessionStorage<Data, Flash>['getSession']>>): Promise<void>
}
type Action = (args: { request: Request }) => Promise<Response>

/** The routes of the request-session contract and of the flows: each answers JSON, setting a cookie or not. */
export function routesOver(storage: Storage): Record<string, Action> {
  const load = (request: Request) => storage.getSession(request.headers.get('cookie'))
  const json = (body: unknown, setCookie?: string) =>
    Response.json(body, setCookie ? { headers: { 'set-cookie': setCookie } } : undefined)
  return {
    async count({ request }) {
      const session = await load(request)
      session.set('views', (session.get('views') ?? 0) + 1)
      return json({ views: session.get('views') }, await storage.commitSession(session))
    },
    async login({ request }) {
      const session = await load(request)
      session.set('user', 'alice')
      await storage.regenerateSession(session)
      return json({ user: 'alice' }, await storage.commitSession(session))
    },
    async whoami({ request }) {
      return json({ user: (await load(request)).get('user') ?? null })
    },
    async logout({ request }) {
      const session = await load(request)
      return json({ user: null }, await storage.destroySession(session))
    },
    /** Commits the session unchanged: a throttled touch. */
    async visit({ request }) {
      const session = await load(request)
      return json({ user: session.get('user') ?? null }, await storage.commitSession(session))
    },
    async flash({ request }) {
      const session = await load(request)
      session.flash('notice', 'saved')
      return json({}, await storage.commitSession(session))
    },
    async notice({ request }) {
      const session = await load(request)
      const notice = session.get('notice') ?? null
      return json({ notice }, await storage.commitSession(session))
    },
  }
}

/** A server build of one root and a resource route per module (a loader, an action or both). */
export function buildOf(
  modules: Record<string, object>,
  handleError?: (error: unknown) => void,
): ServerBuild {
  // A module without a component is a resource route at run time; the build type asks for one regardless.
  const resource = (module: object) => module as NonNullable<ServerBuild['routes'][string]>['module']
  const routes: ServerBuild['routes'] = { root: { id: 'root', path: '', module: resource({}) } }
  for (const [name, module] of Object.entries(modules)) {
    routes[name] = { id: name, parentId: 'root', path: name, module: resource(module) }
  }
  return {
    entry: {
      module: {
        default: () => new Response('no documents here', { status: 404 }),
        ...(handleError ? { handleError } : {}),
      },
    },
    routes,
    assets: { entry: { imports: [], module: '' }, routes: {}, url: '', version: 'test' },
    publicPath: '/',
    assetsBuildDirectory: 'build',
    future: { v8_passThroughRequests: false, v8_trailingSlashAwareDataRequests: false, v8_middleware: false },
    ssr: true,
    isSpaMode: false,
    prerender: [],
    routeDiscovery: { mode: 'lazy', manifestPath: '/__manifest' },
  }
}

/** Each action as the module of a resource route that answers POST. */
export const actionRoutes = (actions: Record<string, Action>) =>
  Object.fromEntries(Object.entries(actions).map(([name, action]) => [name, { action }]))

/** React Router's request handler over {@link routesOver} the storage. */
export function appOver(storage: Storage, handleError?: (error: unknown) => void) {
  return createRequestHandler(buildOf(actionRoutes(routesOver(storage)), handleError), 'production')
}

/** The first Set-Cookie line's `name=value`, as a browser sends it back. */
export const cookieOf = (response: Response) => response.headers.getSetCookie()[0]!.split(';')[0]!

export const post = (path: string, cookie?: string): Request =>
  new Request(`http://app.test/${path}`, { method: 'POST', headers: cookie ? { cookie } : {} })
