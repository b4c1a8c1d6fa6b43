import { type ConformanceFactory, describeStoreConformance, pgStoreTarget } from '@pgstore/testing'
import { bindSessions } from '../src/sessions'

/**
 * The store createSessions builds from PgStore options is the one every getSession/withSession call uses;
 * the suite runs on it, so the options path is proven to reach a working, correctly configured store.
 */
const throughCreateSessions: ConformanceFactory = async (_db, options) => {
  const { store } = bindSessions(
    { store: options, secrets: ['conformance-secret-0123456789-abcdefgh'] },
    { cookies: () => Promise.reject(new Error('not used')), cache: (fn) => fn },
  )
  return pgStoreTarget(store)
}

describeStoreConformance('createSessions({ store: options })', 'pg', throughCreateSessions)
describeStoreConformance('createSessions({ store: options })', 'pglite', throughCreateSessions)
