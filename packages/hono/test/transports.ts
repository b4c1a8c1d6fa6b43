/**
 * The two ways the tests reach a Hono app: `app.request` (Hono's own fetch, no network) and a real
 * @hono/node-server listening on a free port, reached by Node's fetch.
 */
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'

export type Transport = 'app.request' | 'node-server'
export const TRANSPORTS: readonly Transport[] = ['app.request', 'node-server']

export interface Client {
  /** Sends `request` (any origin: only its path, method, headers and body are used) to the app. */
  fetch(request: Request): Promise<Response>
  close(): Promise<void>
}

export async function connect(app: Hono<any>, transport: Transport): Promise<Client> {
  if (transport === 'app.request')
    return { fetch: async (request) => app.request(request), close: async () => {} }
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  const { port } = server.address() as AddressInfo
  return {
    async fetch(request) {
      const url = new URL(request.url)
      const body = request.body ? await request.arrayBuffer() : undefined
      return fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body,
        redirect: 'manual',
      })
    },
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  }
}

/** `name=value` of each Set-Cookie line, joined as a browser sends them back. */
export function cookieOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!)
    .join('; ')
}
