import { type ConformanceFactory, describeStoreConformance } from '@pgstore/testing'
import { pgSessionStore } from '../src'

// Each session id gets its own stand-in for a Koa context, as one request's reads and writes share one.
const throughKoaSessionContract: ConformanceFactory = async (_db, options) => {
  const adapter = pgSessionStore(options)
  const contexts = new Map<string, object>()
  const ctx = (sid: string) => contexts.get(sid) ?? contexts.set(sid, {}).get(sid)!
  return {
    set: (sid, data, ttl) =>
      adapter.set(sid, data, ttl ?? 'session', { rolling: false, changed: true, ctx: ctx(sid) }),
    get: (sid) => adapter.get(sid, undefined, { rolling: false, ctx: {} }),
    // A rolling save of data this request read unchanged: koa-session passes `changed: false`.
    touch: (sid, data, ttl) => adapter.set(sid, data, ttl, { rolling: true, changed: false, ctx: ctx(sid) }),
    destroy: (sid) => adapter.destroy(sid, { ctx: ctx(sid) }),
    close: () => adapter.store.close(),
  }
}

describeStoreConformance('pgSessionStore (koa-session contract)', 'pg', throughKoaSessionContract)
describeStoreConformance('pgSessionStore (koa-session contract)', 'pglite', throughKoaSessionContract)
