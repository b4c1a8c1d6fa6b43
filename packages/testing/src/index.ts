export {
  type ConformanceFactory,
  type ConformanceOptions,
  type ConformanceTarget,
  describeStoreConformance,
  pgStoreTarget,
  STORE_CASES,
  type StoreCase,
} from './conformance'
export {
  assertPostgresReachable,
  createTestDatabase,
  DATABASE_URL,
  type DbKind,
  freshName,
  type TestDatabase,
} from './database'
export { type DeleteGate, holdDeletes } from './delete-gate'
export { digest } from './digest'
export { type Gate, gate } from './gate'
export { NO_TRANSACTIONS, withoutTransactions } from './no-transaction'
export { assertPgBouncerReachable, PGBOUNCER_SESSION_URL, PGBOUNCER_TRANSACTION_URL } from './pgbouncer'
export { probeTable, qualifiedName, type SessionRow, type TableProbe } from './probe'
export { type Relay, startRelay } from './relay'
export {
  type ContractData,
  describeRequestSessionConformance,
  fetchTarget,
  type RequestCase,
  type RequestReply,
  type RequestRoute,
  type RequestTarget,
  type RequestTargetFactory,
  serveContractRoute,
} from './request-contract'
export { installSlowTrigger, type SlowTriggerOptions } from './slow'
export { type UseTestDatabaseOptions, useTestDatabase } from './use'
export { startWebSocketRelay, type WebSocketRelay } from './ws-relay'
