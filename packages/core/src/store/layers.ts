/**
 * Builds the layers a PgStore composes from its options: the call wrapper, the connection, the rows
 * (row codec, write clock and cache coherence) and the prune timer, wired to the store's events. The facade
 * (pg-store.ts) holds them and calls them; it builds nothing itself.
 */
import { createCoherence } from '../cache/coherence'
import { PgStoreError, toPgStoreError } from '../errors'
import type { PruneResult } from '../sql/prune'
import { Calls } from './calls'
import { Connection } from './connection'
import type { PgStoreOptions, StoreSettings } from './options'
import { Pruner } from './pruner'
import { RowCodec } from './row-codec'
import { Rows } from './rows'
import { WriteClock } from './write-clock'

/** What the layers report to the store, which turns each into an event. */
export interface LayerEvents {
  connect(): void
  disconnect(error: PgStoreError): void
  prune(result: PruneResult): void
  /** A failure no caller awaits: an idle connection, the cache listener, a background prune. */
  background(error: PgStoreError): void
}

export interface Layers<TData extends object> {
  calls: Calls
  connection: Connection
  rows: Rows<TData>
  pruner: Pruner | undefined
}

export function buildLayers<TData extends object>(
  options: PgStoreOptions<TData>,
  settings: StoreSettings,
  events: LayerEvents,
  sweep: () => Promise<PruneResult>,
): Layers<TData> {
  const background = (err: unknown, where: string) =>
    events.background(toPgStoreError(err, where, settings.label))
  const coherence = createCoherence(
    settings.cache,
    settings.label,
    settings.queryTimeout,
    background,
    options.listenConnectionString,
  )
  return {
    calls: new Calls(settings.label, settings.queryTimeout, events),
    connection: new Connection(options, settings, coherence.notice, {
      onPoolError: (err) => background(err, 'an idle connection'),
      onUnnamed: (err) =>
        events.background(
          new PgStoreError(
            'QUERY_FAILED',
            `pgstore: a pooler in front of ${settings.label} lost or doubled a named prepared statement (transaction pooling without prepared statements); the store now sends unnamed statements, and retried the call. Set preparedStatements: false to start that way.`,
            { cause: err },
          ),
        ),
      ready: (_resolved, client) => coherence.start(client),
    }),
    rows: new Rows(
      new RowCodec(settings.maxBytes, options.encryption),
      new WriteClock(settings.touchAfter),
      coherence,
      options.userId,
    ),
    pruner: settings.prune ? new Pruner(settings.prune, sweep, events.prune, events.background) : undefined,
  }
}
