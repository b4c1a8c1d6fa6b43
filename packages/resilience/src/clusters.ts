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
  /** `pg_ctlcluster stop -m immediate` on the primary: what a crash leaves, without a final checkpoint. */
  crashPrimary(): Promise<void>
  /** `pg_ctlcluster promote` on the replica; resolves once it accepts writes. */
  promoteReplica(): Promise<void>
  /** Stops and drops both clusters; never throws. */
  drop(): Promise<void>
}

/** Runs a command as the postgres user; `pg_*` cluster tools refuse to manage a cluster from root otherwise. */
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

/** Small, fast clusters that listen on loopback only and let the postgres user in without a password. */
async function configure(name: string, settings: Record<string, string>): Promise<void> {
  const dir = `/etc/postgresql/${VERSION}/${name}`
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${v}`)
  await writeFile(`${dir}/conf.d/failover.conf`, `${lines.join('\n')}\n`)
  await writeFile(
    `${dir}/pg_hba.conf`,
    'local all postgres peer\nhost all postgres 127.0.0.1/32 trust\nhost replication postgres 127.0.0.1/32 trust\n',
  )
}

const BASE = {
  listen_addresses: "'127.0.0.1'",
  max_connections: '40',
  shared_buffers: "'16MB'",
  max_wal_senders: '4',
  wal_level: 'replica',
  hot_standby: 'on',
}

async function writable(port: number): Promise<boolean> {
  const client = new pg.Client({
    connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    connectionTimeoutMillis: 1_000,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    const { rows } = await client.query<{ r: boolean }>('select pg_is_in_recovery() as r')
    return rows[0]?.r === false
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** Waits until the replica streams from the primary (and, in synchronous mode, is the sync standby). */
async function waitForStreaming(primaryPort: number, synchronous: boolean): Promise<void> {
  const want = synchronous ? 'sync' : 'async'
  const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${primaryPort}/postgres` })
  await client.connect()
  try {
    for (let i = 0; i < 300; i++) {
      const { rows } = await client.query<{ state: string; sync_state: string }>(
        'select state, sync_state from pg_stat_replication',
      )
      if (rows.some((r) => r.state === 'streaming' && r.sync_state === want)) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`the replica did not start streaming (${want}) within 30 s`)
  } finally {
    await client.end()
  }
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
    async crashPrimary() {
      await ctl(primary, 'stop', '-m', 'immediate')
    },
    async promoteReplica() {
      await ctl(replica, 'promote')
      for (let i = 0; i < 300 && !(await writable(replicaPort)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    async drop() {
      await dropCluster(primary)
      await dropCluster(replica)
    },
  }
  try {
    await exec('pg_createcluster', [VERSION, primary, '-p', String(primaryPort)], { timeout: 60_000 })
    await configure(primary, {
      ...BASE,
      ...(options.synchronous ? { synchronous_standby_names: "'*'", synchronous_commit: 'on' } : {}),
    })
    await ctl(primary, 'start')
    await exec('pg_createcluster', [VERSION, replica, '-p', String(replicaPort)], { timeout: 60_000 })
    await configure(replica, BASE)
    const data = `/var/lib/postgresql/${VERSION}/${replica}`
    await asPostgres('find', [data, '-mindepth', '1', '-delete'])
    // -R writes standby.signal and primary_conninfo; -X stream copies the WAL made during the backup.
    await asPostgres(`/usr/lib/postgresql/${VERSION}/bin/pg_basebackup`, [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      data,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ])
    await ctl(replica, 'start')
    await waitForStreaming(primaryPort, options.synchronous)
  } catch (err) {
    await pair.drop()
    throw err
  }
  return pair
}
