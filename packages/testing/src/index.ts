export {
  type ConformanceFactory,
  type ConformanceTarget,
  describeStoreConformance,
  pgStoreTarget,
} from './conformance'
export {
  assertPostgresReachable,
  createTestDatabase,
  DATABASE_URL,
  type DbKind,
  freshName,
  type TestDatabase,
} from './database'
export { type Relay, startRelay } from './relay'
