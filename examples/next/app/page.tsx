import { getSession } from '@/lib/session'
import { logout } from './actions'
import { Counter } from './counter'
import { Flash } from './flash'

export default async function Home() {
  const session = await getSession()
  const name = session.get('name')
  return (
    <>
      <h1>pgstore + Next.js</h1>
      <Flash />
      {name ? (
        <p id="who">Signed in as {name}</p>
      ) : (
        <p id="who">
          Not signed in. <a href="/login">Log in</a>
        </p>
      )}
      <Counter initial={session.get('count') ?? 0} />
      {name && (
        <form action={logout}>
          <button type="submit" id="logout">
            Log out
          </button>
        </form>
      )}
    </>
  )
}
