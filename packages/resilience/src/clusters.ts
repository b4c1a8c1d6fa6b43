/**
 * A primary and a streaming replica of their own: two throwaway PostgreSQL 15 clusters made with Debian's
 * postgresql-common tools (pg_createcluster, pg_basebackup -R), on ports away from the shared server, so
 * the failover suite can crash one and promote the other. Needs root (the tools run as postgres through
 * runuser); a machine without them fails the suite loudly.
 *
 * @example
 * ```ts
 * const pair = await createReplicaPair({ name: 'pgstore_fo_sync', port: 5443, synchronous: true })
 * try {
 *   await pair.crashPrimary() // immediate stop: no checkpoint, walsenders killed
 *   await pair.promoteReplica()
 * } finally {
 *   await pair.drop() // pg_dropcluster --stop, both clusters
 * }
 * ```
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import pg from 'pg'

const exec = promisify(execFile)
const VERSION = '15'

export interface ReplicaPairOptions {
  /** Prefix of the two cluster names: `<name>_primary` and `<name>_replica`. */
  name: string
  /** The primary's port; the replica takes the next one. */
  port: number
  /** synchronous_standby_names = '*' with synchronous_commit = on: a commit waits for the replica's flush. */
  synchronous: boolean
}

export interface ReplicaPair {
  readonly primaryPort: number
  readonly replicaPort: number
  /** postgres.js URL listing both hosts; the database is `postgres`. */
  readonly url: string
  /** How far the replica's flushed WAL is behind the primary's, in bytes (0 when caught up). */
  replicaBehindBytes(): Promise<number>
  /** `pg_ctlcluster stop -m immediate` on the primary: what a crash leaves, without a final checkpoint. */
  crashPrimary(): Promise<void>
  /** `pg_ctlcluster promote` on the replica; resolves once it accepts writes. */
  promoteReplica(): Promise<void>
  /** Stops and drops both clusters; never throws. */
  drop(): Promise<void>
}

/** Runs a command as the postgres user, so what it writes in a data directory belongs to the server's owner. */
async function asPostgres(command: string, args: string[], timeout = 60_000): Promise<string> {
  try {
    const { stdout } = await exec('runuser', ['-u', 'postgres', '--', command, ...args], { timeout })
    return stdout
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`)
  }
}

/**
 * Throws unless this machine can make clusters: root, and Debian's pg_createcluster for PostgreSQL 15.
 * CI runs as root on Debian with postgresql-15 installed; anywhere else the suite must fail, not skip.
 */
export async function assertClusterTools(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('the failover suite makes its own PostgreSQL clusters and must run as root (CI does)')
  }
  try {
    await exec('sh', ['-c', 'command -v pg_createcluster && command -v pg_dropcluster'])
    await exec(`/usr/lib/postgresql/${VERSION}/bin/pg_basebackup`, ['--version'])
  } catch {
    throw new Error(
      `pg_createcluster or PostgreSQL ${VERSION}'s pg_basebackup is missing: install postgresql-common and postgresql-${VERSION} (apt-get install postgresql-${VERSION})`,
    )
  }
}

async function dropCluster(name: string): Promise<void> {
  await exec('pg_dropcluster', ['--stop', VERSION, name], { timeout: 60_000 }).catch(() => undefined)
}

/**
 * A small cluster (settings go to its postgresql.conf, so pg_dropcluster removes every file made here) that
 * listens on loopback only and lets the postgres user in, replication included, without a password.
 */
async function createCluster(name: string, port: number, settings: Record<string, string>): Promise<void> {
  // pg_createcluster -o quotes a value unless it looks like a number or a plain word.
  const set = Object.entries(settings).flatMap(([k, v]) => ['-o', `${k}=${v}`])
  // --no-sync: initdb skips its fsync of a cluster this suite throws away (seconds on a busy disk).
  await exec('pg_createcluster', [VERSION, name, '-p', String(port), ...set, '--', '--no-sync'], {
    timeout: 60_000,
  })
  await writeFile(
    `/etc/postgresql/${VERSION}/${name}/pg_hba.conf`,
    'local all postgres peer\nhost all postgres 127.0.0.1/32 trust\nhost replication postgres 127.0.0.1/32 trust\n',
  )
}

const BASE = {
  listen_addresses: 'localhost', // loopback only; 127.0.0.1 would be taken for a number and left unquoted
  max_connections: '40',
  shared_buffers: '16MB',
  max_wal_senders: '4',
  wal_level: 'replica',
  hot_standby: 'on',
}

/** Runs `work` on a short-lived connection to the cluster on `port` (database postgres, user postgres). */
export async function onPort<T>(port: number, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    connectionTimeoutMillis: 2_000,
  })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `check` every 100 ms for up to 30 s; throws `what` when it never held. */
async function within30s(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check().catch(() => false)) return
    await sleep(100)
  }
  throw new Error(`${what} within 30 s`)
}

export async function createReplicaPair(options: ReplicaPairOptions): Promise<ReplicaPair> {
  const primary = `${options.name}_primary`
  const replica = `${options.name}_replica`
  const primaryPort = options.port
  const replicaPort = options.port + 1
  const ctl = (name: string, ...args: string[]) =>
    exec('pg_ctlcluster', ['--skip-systemctl-redirect', VERSION, name, ...args], { timeout: 60_000 })
  // A run cut off before its cleanup leaves clusters behind; they would hold the ports.
  await dropCluster(primary)
  await dropCluster(replica)
  const pair: ReplicaPair = {
    primaryPort,
    replicaPort,
    url: `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${replicaPort}/postgres?target_session_attrs=primary`,
    replicaBehindBytes: () =>
      onPort(primaryPort, async (c) => {
        const { rows } = await c.query<{ behind: string | null }>(
          'select max(pg_current_wal_lsn() - flush_lsn)::int8 as behind from pg_stat_replication',
        )
        return Number(rows[0]?.behind ?? 0)
      }),
    async crashPrimary() {
      await ctl(primary, 'stop', '-m', 'immediate')
    },
    async promoteReplica() {
      await ctl(replica, 'promote')
      await within30s('the promoted replica did not take writes', () =>
        onPort(
          replicaPort,
          async (c) => (await c.query('select pg_is_in_recovery() as r')).rows[0]?.r === false,
        ),
      )
    },
    async drop() {
      await dropCluster(primary)
      await dropCluster(replica)
    },
  }
  try {
    await createCluster(primary, primaryPort, {
      ...BASE,
      ...(options.synchronous ? { synchronous_standby_names: '*', synchronous_commit: 'on' } : {}),
    })
    await ctl(primary, 'start')
    await createCluster(replica, replicaPort, BASE)
    const data = `/var/lib/postgresql/${VERSION}/${replica}`
    await asPostgres('find', [data, '-mindepth', '1', '-delete'])
    // -R writes standby.signal and primary_conninfo; -X stream copies the WAL made during the backup.
    await asPostgres(`/usr/lib/postgresql/${VERSION}/bin/pg_basebackup`, [
      ...['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', data],
      ...['-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
    ])
    await ctl(replica, 'start')
    const want = options.synchronous ? 'sync' : 'async'
    await within30s(`the replica did not stream (${want})`, () =>
      onPort(primaryPort, async (c) => {
        const { rows } = await c.query(
          "select 1 from pg_stat_replication where state = 'streaming' and sync_state = $1",
          [want],
        )
        return rows.length > 0
      }),
    )
  } catch (err) {
    await pair.drop()
    throw err
  }
  return pair
}
