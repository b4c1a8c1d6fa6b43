/**
 * What lets `createSessions` wait for its first request: the options resolved once, on first use, and
 * optionally shared through `globalThis`, and a store that stands in for the one not created yet.
 *
 * @example
 * ```ts
 * const resolve = once(() => bind(factory()), 'app')   // factory runs on the first resolve(), in one copy
 * const store = deferredStore(() => resolve().store)  // safe to destructure at module scope
 * ```
 */
import { type PgStore, PgStoreError } from '@pgstore/core'

/** How `createSessions` keeps what it resolved. */
export interface ShareOptions {
  /**
   * Keep the resolved sessions, and the store (and pool, or PGlite) they created, on `globalThis` under
   * this key, so that every evaluation of your module in one process uses the first one's. Next evaluates
   * a module once per route bundle and again on each dev reload; without a key each evaluation creates its
   * own store, and so its own pool. The first evaluation to resolve wins: later copies' options are not read.
   * @default none: one store per evaluation of the module
   */
  globalKey?: string
}

/**
 * `make()`, called on the first call of the returned function and kept; a throw is not kept, so the next
 * call tries again (and reports the same misconfiguration again). With `globalKey` the value is kept on
 * `globalThis` and found there by every copy of the calling module.
 */
export function once<T>(
  make: () => T,
  globalKey?: string,
): { get(): T; peek(): T | undefined; forget(): void } {
  if (globalKey !== undefined && (typeof globalKey !== 'string' || globalKey === '')) {
    throw new PgStoreError('INVALID_OPTIONS', '@pgstore/next: globalKey must be a non-empty string.')
  }
  const slot = globalKey === undefined ? undefined : Symbol.for(`@pgstore/next:${globalKey}`)
  const shared = globalThis as unknown as Record<symbol, T | undefined>
  let local: T | undefined
  const peek = () => (slot === undefined ? local : shared[slot])
  return {
    peek,
    get() {
      const found = peek()
      if (found !== undefined) return found
      const made = make()
      if (slot === undefined) local = made
      else shared[slot] = made
      return made
    },
    forget() {
      if (slot === undefined) local = undefined
      else delete shared[slot]
    },
  }
}

/**
 * A PgStore that is created on its first use: every property read resolves the real store and reads it
 * there (methods bound to it). So `export const { store } = createSessions(() => options)` neither
 * creates a store nor reads the environment while `next build` imports the module. `then` reads as
 * undefined without resolving, so returning it from an async function does not create the store either.
 */
export function deferredStore(resolve: () => PgStore<any>): PgStore<any> {
  return new Proxy({} as PgStore<any>, {
    get(_target, property) {
      if (property === 'then') return undefined
      const store = resolve()
      const value = Reflect.get(store, property, store)
      return typeof value === 'function' ? value.bind(store) : value
    },
    has: (_target, property) => property in resolve(),
    getPrototypeOf: () => Object.getPrototypeOf(resolve()),
  })
}
