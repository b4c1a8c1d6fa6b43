/**
 * The example's session storage and the helpers its route modules share. The server builds the storage
 * once (`createSessions`) and hands it to every loader and action as load context, so the tests can build
 * it on their own database.
 *
 * @example
 * ```ts
 * const sessions = createSessions({ db })
 * app.use(createRequestHandler({ build, getLoadContext: () => ({ sessions }) }))
 * ```
 */
import { type AnyPgDatabase, PgStore, type SessionTable } from '@pgstore/core'
import { FLASH, sessionSecrets } from '@pgstore/example-shared'
import { createPgSessionStorage, isPgStoreError, type PgSessionStorage } from '@pgstore/react-router'
import { type AppLoadContext, data, redirect, type Session } from 'react-router'

export type Data = { user?: string; views?: number }
export type Flash = { message: string }
export type AppSession = Session<Data, Flash>

export interface Sessions {
  storage: PgSessionStorage<Data, Flash>
  store: PgStore<Data>
  /** Closes the store; the database is the caller's to close. */
  close(): Promise<void>
}

declare module 'react-router' {
  interface AppLoadContext {
    sessions: Sessions
  }
}

export interface SessionsOptions {
  db: AnyPgDatabase
  /** @default pgstore's `public.http_sessions` */
  table?: SessionTable
  /** Cookie signing secrets, newest first. @default `sessionSecrets()`: SESSION_SECRETS, or a random one */
  secret?: string[]
}

export function createSessions(options: SessionsOptions): Sessions {
  const store = new PgStore<Data>({
    db: options.db,
    table: options.table,
    createTable: true,
    userId: (data) => data.user,
  })
  const storage = createPgSessionStorage<Data, Flash>({
    store,
    secrets: options.secret ?? sessionSecrets(),
    maxAge: 7 * 86_400,
  })
  return { storage, store, close: () => store.close() }
}

/**
 * Runs a loader's or action's body; a PgStoreError becomes the answer its status says (503 "Try again in a
 * moment." while the database is away), which the root ErrorBoundary shows. Its code is logged, never its
 * message's data.
 */
export async function guarded<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body()
  } catch (err) {
    if (!isPgStoreError(err)) throw err
    console.error(`request failed: ${err.code}`)
    throw data(err.status === 503 ? 'Try again in a moment.' : 'Something went wrong.', {
      status: err.status,
    })
  }
}

export const sessionOf = (context: AppLoadContext, request: Request) =>
  context.sessions.storage.getSession(request)

/** The session's cookie header, to send with the answer. */
export const cookieOf = async (context: AppLoadContext, session: AppSession) => ({
  'Set-Cookie': await context.sessions.storage.commitSession(session),
})

/** A redirect with 303, so the browser follows a POST with a GET, and an optional flash. */
export async function back(context: AppLoadContext, session: AppSession, to: string, flash?: string) {
  if (flash) session.flash('message', flash)
  return redirect(to, { status: 303, headers: await cookieOf(context, session) })
}

/** The signed-in user; else it throws the way back home, with a flash. */
export async function requireUser(context: AppLoadContext, session: AppSession): Promise<string> {
  const user = session.get('user')
  if (user) return user
  throw await back(context, session, '/', FLASH.logInFirst)
}
