import { FLASH } from '@pgstore/example-shared'
import { back, guarded, requireUser, sessionOf } from '../sessions.server'
import type { Route } from './+types/sessions.revoke-others'

export function action({ request, context }: Route.ActionArgs) {
  return guarded(async () => {
    const session = await sessionOf(context, request)
    const user = await requireUser(context, session)
    const n = await context.sessions.store.destroyByUser(user, { except: session.id })
    return back(context, session, '/sessions', FLASH.revokedOthers(n))
  })
}
