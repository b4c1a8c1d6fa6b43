import {
  type ContractData,
  describeRequestSessionConformance,
  fetchTarget,
  type RequestRoute,
  serveContractRoute,
} from '@pgstore/testing'
import { Hono } from 'hono'
import { pgSession, type SessionEnv } from '../src/index'
import { connect, TRANSPORTS } from './transports'

for (const kind of ['pg', 'pglite'] as const) {
  for (const transport of TRANSPORTS) {
    describeRequestSessionConformance(`@pgstore/hono pgSession via ${transport}`, kind, async (db) => {
      const middleware = pgSession<ContractData>({
        store: { db: db.db, table: db.table, createTable: true, prune: false },
        secrets: ['request-contract-secret-0123456789abc'],
      })
      const app = new Hono<SessionEnv<ContractData>>()
      app.use(middleware)
      app.post('/:route', (c) => serveContractRoute(c.get('session'), c.req.param('route') as RequestRoute))
      const client = await connect(app, transport)
      return fetchTarget(
        (request) => client.fetch(request),
        async () => {
          await client.close()
          await middleware.close()
        },
      )
    })
  }
}
