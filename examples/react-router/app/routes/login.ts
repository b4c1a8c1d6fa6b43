import { FLASH, parseName } from '@pgstore/example-shared'
import { back, guarded, sessionOf } from '../sessions.server'
import type { Route } from './+types/login'

export function action({ request, context }: Route.ActionArgs) {
  return guarded(async () => {
    const name = parseName((await request.formData()).get('name'))
    const session = await sessionOf(context, request)
    if (!name) return back(context, session, '/', FLASH.badName)
    // A new id on login (the data moves with it), so an id planted before login is worthless after it.
    await context.sessions.storage.regenerateSession(session)
    session.set('user', name)
    return back(context, session, '/', FLASH.welcome(name))
  })
}
