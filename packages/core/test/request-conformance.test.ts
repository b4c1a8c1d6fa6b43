import { PgStore } from '@pgstore/core'
import { createRequestSessions, handle } from '@pgstore/core/web'
import { describeRequestSessionConformance, fetchTarget, serveContractRoute } from '@pgstore/testing'

type Data = { views?: number; user?: string }
for (const kind of ['pg', 'pglite'] as const) {
  describeRequestSessionConformance('web handle()', kind, async (db) => {
    const store = new PgStore({ db: db.db, table: db.table, createTable: true, prune: false })
    const sessions = createRequestSessions<Data>({
      store,
      secrets: ['request-contract-secret-0123456789abc'],
    })
    return fetchTarget(
      (request, route) => handle(sessions, request, (session) => serveContractRoute(session, route)),
      () => store.close(),
    )
  })
}
