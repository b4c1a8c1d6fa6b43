import { FLASH } from '@pgstore/example-shared'
import { back, guarded, sessionOf } from '../sessions.server'
import type { Route } from './+types/logout'

export function action({ request, context }: Route.ActionArgs) {
  return guarded(async () => {
    const session = await sessionOf(context, request)
    // Deletes the row; the session is then new and empty, and only the flash is saved into it.
    await context.sessions.storage.destroySession(session)
    return back(context, session, '/', FLASH.loggedOut)
  })
}
