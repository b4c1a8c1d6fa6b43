import { PgStore } from '@pgstore/core'
import { type ConformanceFactory, describeStoreConformance } from '@pgstore/testing'

const direct: ConformanceFactory = async (_db, options) => {
  const store = new PgStore(options)
  return {
    set: (sid, data, ttl) => store.set(sid, data, { ttl }),
    get: (sid) => store.get(sid),
    touch: async (sid, _data, ttl) => {
      await store.touch(sid, { ttl })
    },
    destroy: (sid) => store.destroy(sid),
    close: () => store.close(),
  }
}

describeStoreConformance('PgStore', 'pg', direct)
describeStoreConformance('PgStore', 'pglite', direct)
