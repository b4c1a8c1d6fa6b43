import {
  type ContractData,
  describeRequestSessionConformance,
  fetchTarget,
  type RequestRoute,
  serveContractRoute,
} from '@pgstore/testing'
import { bindSessions } from '../src/sessions'

for (const kind of ['pg', 'pglite'] as const) {
  describeRequestSessionConformance('@pgstore/next withSession', kind, async (db) => {
    const sessions = bindSessions<ContractData>(
      {
        store: { db: db.db, table: db.table, createTable: true, prune: false },
        secrets: ['request-contract-secret-0123456789abc'],
      },
      { cookies: () => Promise.reject(new Error('only withSession is used here')), cache: (fn) => fn },
    )
    const route = sessions.withSession(async (request, _context, session) => {
      return serveContractRoute(session, new URL(request.url).pathname.slice(1) as RequestRoute)
    })
    return fetchTarget(
      (request) => route(request, undefined),
      () => sessions.close(),
    )
  })
}
