import { data } from 'react-router'
import { Page } from '../page'
import { cookieOf, guarded, sessionOf } from '../sessions.server'
import type { Route } from './+types/home'

/** Counts the visit and reads the flash once; the commit saves both. */
export function loader({ request, context }: Route.LoaderArgs) {
  return guarded(async () => {
    const session = await sessionOf(context, request)
    const views = (session.get('views') ?? 0) + 1
    session.set('views', views)
    const flash = session.get('message') ?? null
    const user = session.get('user') ?? null
    return data({ user, views, flash }, { headers: await cookieOf(context, session) })
  })
}

export default function Home({ loaderData: { user, views, flash } }: Route.ComponentProps) {
  return (
    <Page title="pgstore + React Router" user={user} flash={flash}>
      <p>
        You have visited this page <strong id="views">{views}</strong> time{views === 1 ? '' : 's'}.
      </p>
      {user ? null : <p>Log in with any name, then again in another browser, and open "Your sessions".</p>}
    </Page>
  )
}
