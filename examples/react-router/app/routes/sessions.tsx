import { sessionRows } from '@pgstore/example-shared'
import { data, Form } from 'react-router'
import { Page } from '../page'
import { cookieOf, guarded, requireUser, sessionOf } from '../sessions.server'
import type { Route } from './+types/sessions'

/** The user's sessions, as the other examples list them: device, when it signed in, when last seen. */
export function loader({ request, context }: Route.LoaderArgs) {
  return guarded(async () => {
    const session = await sessionOf(context, request)
    const user = await requireUser(context, session)
    const entries = await context.sessions.store.listByUser(user, { current: session.id })
    const flash = session.get('message') ?? null
    return data(
      { user, sessions: sessionRows(entries), flash },
      { headers: await cookieOf(context, session) },
    )
  })
}

const Time = ({ iso, text }: { iso: string; text: string }) => (
  <time dateTime={iso} title={iso}>
    {text}
  </time>
)

export default function Sessions({ loaderData: { user, sessions, flash } }: Route.ComponentProps) {
  return (
    <Page title="Your sessions (React Router)" user={user} flash={flash}>
      <table id="sessions">
        <thead>
          <tr>
            <th>Device</th>
            <th>Signed in</th>
            <th>Last seen</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sessions.map((r) => (
            <tr key={r.digest} data-current={String(r.current)}>
              <td title={r.userAgent ?? ''}>{r.device}</td>
              <td>
                <Time iso={r.createdAt} text={r.signedIn} />
              </td>
              <td>
                <Time iso={r.lastSeenAt} text={r.lastSeen} />
              </td>
              <td>
                {r.current ? (
                  <strong>this device</strong>
                ) : (
                  <Form method="post" action="/sessions/revoke">
                    <input type="hidden" name="digest" value={r.digest} />
                    <button type="submit">Revoke</button>
                  </Form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sessions.some((s) => !s.current) ? (
        <Form method="post" action="/sessions/revoke-others">
          <button type="submit" id="revoke-others">
            Log out all other devices
          </button>
        </Form>
      ) : (
        <p>No other device is signed in.</p>
      )}
    </Page>
  )
}
