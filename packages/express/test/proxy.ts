/** A TCP proxy in front of PostgreSQL that a test can cut and restore, to stage a real outage. */
import net from 'node:net'

export interface TcpProxy {
  port: number
  /** Closes the listener and every open connection: the database is gone as far as clients can tell. */
  cut(): Promise<void>
  /** Listens again on the same port. */
  restore(): Promise<void>
}

export async function startProxy(host: string, port: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  const track = (s: net.Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => s.destroy())
  }
  let server: net.Server
  const listen = (at: number) =>
    new Promise<number>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(port, host)
        track(client)
        track(upstream)
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
        client.pipe(upstream).pipe(client)
      })
      server.once('error', reject)
      server.listen(at, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))
    })
  const proxy: TcpProxy = {
    port: await listen(0),
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      }),
    restore: async () => {
      await listen(proxy.port)
    },
  }
  return proxy
}
