/**
 * A WebSocket-to-TCP relay in front of PostgreSQL, the local stand-in for Neon's WebSocket proxy: the
 * `@neondatabase/serverless` driver opens `ws://<wsProxy>` and sends the PostgreSQL wire protocol as binary
 * frames, which the relay pipes to DATABASE_URL's host and port (the driver's `?address=` is ignored, so a
 * test can only ever reach the test server). It checks at start that PostgreSQL answers and fails loudly
 * when it does not.
 *
 * @example
 * ```ts
 * const relay = await startWebSocketRelay()
 * neonConfig.webSocketConstructor = ws
 * neonConfig.wsProxy = relay.wsProxy
 * neonConfig.useSecureWebSocket = false
 * neonConfig.pipelineTLS = false
 * neonConfig.pipelineConnect = false
 * const pool = new Pool({ connectionString: DATABASE_URL })
 * await relay.close()
 * ```
 */
import type { AddressInfo } from 'node:net'
import net from 'node:net'
import { type RawData, WebSocketServer } from 'ws'
import { assertPostgresReachable, DATABASE_URL } from './database'

export interface WebSocketRelay {
  /** The loopback port the relay listens on. */
  port: number
  /** A value for `neonConfig.wsProxy`: the relay's address, without protocol, as the driver wants it. */
  wsProxy: (host: string, port: number | string) => string
  /** WebSocket connections opened so far, to show a test's traffic really went through the relay. */
  readonly connections: number
  /** Stops listening and drops every open connection. */
  close(): Promise<void>
}

export async function startWebSocketRelay(): Promise<WebSocketRelay> {
  await assertPostgresReachable()
  const target = new URL(DATABASE_URL)
  const targetPort = Number(target.port || 5432)
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1' })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.once('listening', () => {
      server.off('error', reject)
      resolve()
    })
  })
  let connections = 0
  const sockets = new Set<net.Socket>()
  server.on('connection', (socket) => {
    connections += 1
    const upstream = net.connect(targetPort, target.hostname)
    sockets.add(upstream)
    upstream.setNoDelay(true)
    // Frames the driver sends before the TCP connection is up wait in the socket's write buffer.
    socket.on('message', (data: RawData) => {
      upstream.write(
        Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data),
      )
    })
    upstream.on('data', (chunk) => socket.send(chunk, { binary: true }))
    upstream.on('error', (err) => {
      // 1011: the server hit an unexpected condition. The reason reaches the driver's error.
      socket.close(1011, `pgstore relay: PostgreSQL at ${target.host} failed: ${err.message}`.slice(0, 120))
    })
    upstream.on('close', () => {
      sockets.delete(upstream)
      socket.close()
    })
    socket.on('close', () => upstream.destroy())
    socket.on('error', () => upstream.destroy())
  })
  const port = (server.address() as AddressInfo).port
  return {
    port,
    wsProxy: (host, hostPort) => `127.0.0.1:${port}/v1?address=${host}:${hostPort}`,
    get connections() {
      return connections
    },
    close: async () => {
      for (const client of server.clients) client.terminate()
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
    },
  }
}
