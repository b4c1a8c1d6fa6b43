/**
 * A tour of @pgstore/core with no framework: create, read, touch, list, revoke and prune sessions.
 * Runs on embedded PGlite, or on PostgreSQL when DATABASE_URL is set.
 *
 *   pnpm --filter @pgstore/example-core start
 */
import { PGlite } from '@electric-sql/pglite'
import { newSessionId, PgStore, type PgStoreOptions } from '@pgstore/core'
import { drizzle } from 'drizzle-orm/pglite'

interface Data {
  user?: { id: string; name: string }
  visits: number
}

const url = process.env.DATABASE_URL
const source: Pick<PgStoreOptions, 'db' | 'connectionString'> = url
  ? { connectionString: url }
  : { db: drizzle({ client: new PGlite() }) }

const store = new PgStore<Data>({
  ...source,
  createTable: true,
  ttl: 60 * 60 * 1000,
  touchAfter: 60 * 1000,
  userId: (data) => data.user?.id,
  encryption: { keys: ['demo-only-key-demo-only-key-demo-only!'] },
  prune: false,
})

console.log(`pgstore demo on ${url ? 'PostgreSQL (DATABASE_URL)' : 'embedded PGlite'}`)

const laptop = newSessionId()
const phone = newSessionId()
await store.set(laptop, { user: { id: 'ada', name: 'Ada' }, visits: 1 })
await store.set(phone, { user: { id: 'ada', name: 'Ada' }, visits: 7 })
console.log('created two sessions for ada; read back:', await store.get(laptop))

console.log('touch right after a write (inside touchAfter) sends no query:', await store.touch(laptop))

const listed = await store.listByUser('ada', { current: laptop })
console.log(
  'ada’s sessions:',
  listed.map((s) => ({ current: s.current, visits: s.data.visits, expiresAt: s.expiresAt.toISOString() })),
)

console.log('log out other devices, removed:', await store.destroyByUser('ada', { except: laptop }))
console.log('phone session now:', await store.get(phone))

const gone = newSessionId()
await store.set(gone, { visits: 0 }, { ttl: 1 })
await new Promise((resolve) => setTimeout(resolve, 20))
console.log('expired session reads as:', await store.get(gone))
console.log('prune:', await store.prune())
console.log('live sessions:', await store.length())

await store.close()
