/**
 * The node-postgres failover recipe of docs/deploying-parts/20-failover-replicas.md, as tested: node-postgres
 * takes one host, so a pg.Pool is given a Client that, for each new connection, asks every host in turn
 * `select pg_is_in_recovery()` and connects to the first that is not (falling back to the first host, so
 * the store sees the server's own error: refused, or 25006 from a standby, both DB_UNAVAILABLE).
 *
 * @example
 * ```ts
 * const pool = writablePool([{ host: 'db1', port: 5432 }, { host: 'db2', port: 5432 }], { user: 'app', database: 'app', max: 10 })
 * const store = new PgStore({ pool })
 * ```
 */
import pg from 'pg'

export interface Host {
  host: string
  port: number
}

/** The first of `hosts` that answers and is not in recovery; the first host when none is. */
async function writableHost(hosts: Host[], config: pg.PoolConfig): Promise<Host> {
  for (const host of hosts) {
    const probe = new pg.Client({ ...config, ...host, connectionTimeoutMillis: 1_000 })
    probe.on('error', () => undefined)
    try {
      await probe.connect()
      const { rows } = await probe.query<{ standby: boolean }>('select pg_is_in_recovery() as standby')
      if (rows[0]?.standby === false) return host
    } catch {
      // down or unreachable: try the next host
    } finally {
      await probe.end().catch(() => undefined)
    }
  }
  return hosts[0]!
}

/** A pg.Pool whose every new connection goes to whichever of `hosts` takes writes at that moment. */
export function writablePool(hosts: Host[], config: pg.PoolConfig): pg.Pool {
  class WritableClient extends pg.Client {
    override connect(): Promise<pg.Client>
    override connect(callback: (err: Error) => void): void
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | undefined {
      const ready = writableHost(hosts, config).then((target) => {
        this.host = target.host
        this.port = target.port
        return super.connect()
      })
      if (!callback) return ready
      ready.then(() => callback(undefined as unknown as Error), callback)
      return undefined
    }
  }
  return new pg.Pool({ ...config, Client: WritableClient })
}
