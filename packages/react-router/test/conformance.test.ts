/**
 * The shared contracts: the request-session contract through React Router's request handler, and the store
 * contract on the store createPgSessionStorage builds from PgStore options (the one every call uses).
 */
import {
  type ConformanceFactory,
  type ContractData,
  describeRequestSessionConformance,
  describeStoreConformance,
  fetchTarget,
  pgStoreTarget,
} from '@pgstore/testing'
import { createPgSessionStorage } from '../src/index'
import { appOver, type Flash } from './app'

const SECRET = 'request-contract-secret-0123456789abc'

const throughStorageOptions: ConformanceFactory = async (_db, options) => {
  const storage = createPgSessionStorage({ store: options, secrets: SECRET })
  return pgStoreTarget(storage.store)
}

for (const kind of ['pg', 'pglite'] as const) {
  describeRequestSessionConformance('@pgstore/react-router via createRequestHandler', kind, async (db) => {
    const storage = createPgSessionStorage<ContractData, Flash>({
      store: { db: db.db, table: db.table, createTable: true, prune: false },
      secrets: [SECRET],
    })
    const handler = appOver(storage)
    return fetchTarget((request) => handler(request), storage.close)
  })
  describeStoreConformance('createPgSessionStorage({ store: options })', kind, throughStorageOptions)
}
