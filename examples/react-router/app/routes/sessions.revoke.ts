import { FLASH } from '@pgstore/example-shared'
import { back, guarded, requireUser, sessionOf } from '../sessions.server'
import type { Route } from './+types/sessions.revoke'

export function action({ request, context }: Route.ActionArgs) {
  return guarded(async () => {
    const session = await sessionOf(context, request)
    const user = await requireUser(context, session)
    const digest = (await request.formData()).get('digest')
    // Scoped to the user: a digest from someone else's list deletes nothing.
    const gone = await context.sessions.store.destroyByDigest(String(digest ?? ''), { userId: user })
    return back(context, session, '/sessions', gone ? FLASH.revoked : FLASH.alreadyGone)
  })
}
