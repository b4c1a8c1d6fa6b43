/** A TCP relay in front of PostgreSQL that a test can cut and restore, to make a real outage. */
import net from 'node:net'
import { DATABASE_URL } from './database'

export interface Relay {
  /** DATABASE_URL, pointed at the relay. */
  url: string
  /** Refuses new connections and drops the open ones. */
  cut(): Promise<void>
  /** Listens again on the same port. */
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startRelay(): Promise<Relay> {
  const target = new URL(DATABASE_URL)
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => s.destroy())
      s.on('close', () => sockets.delete(s))
    }
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream).pipe(client)
  })
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve((server.address() as net.AddressInfo).port)
      })
    })
  const port = await listen(0)
  const url = new URL(DATABASE_URL)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  const cut = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const s of sockets) s.destroy()
    await closed
  }
  return {
    url: url.toString(),
    cut,
    restore: async () => {
      await listen(port)
    },
    close: async () => {
      if (server.listening) await cut()
    },
  }
}
