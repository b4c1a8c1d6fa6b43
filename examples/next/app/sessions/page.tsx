import { redirect } from 'next/navigation'
import { shortAgent } from '@/lib/agent'
import { getSession, sessions } from '@/lib/session'
import { revoke, revokeOthers } from '../actions'

export default async function YourSessions() {
  const session = await getSession()
  const userId = session.get('userId')
  if (!userId) redirect('/login')
  const list = await sessions().store.listByUser(userId, { current: session.id })
  return (
    <>
      <h1>Your sessions</h1>
      <ul id="sessions">
        {list.map((s) => (
          <li key={s.digest} data-current={s.current} title={s.meta?.userAgent}>
            {s.current ? 'This device' : 'Other device'}: {shortAgent(s.meta?.userAgent)}, signed in{' '}
            {s.createdAt.toISOString()}, last seen {s.updatedAt.toISOString()}
            {!s.current && (
              <form action={revoke} style={{ display: 'inline' }}>
                <input type="hidden" name="digest" value={s.digest} /> <button type="submit">Revoke</button>
              </form>
            )}
          </li>
        ))}
      </ul>
      <form action={revokeOthers}>
        <button type="submit" id="revoke-others">
          Log out other devices
        </button>
      </form>
    </>
  )
}
