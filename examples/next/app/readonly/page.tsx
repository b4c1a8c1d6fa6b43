import { isPgStoreError } from '@pgstore/next'
import { getSession } from '@/lib/session'

/** Shows what happens when a server component tries to write: the package's error, never a silent no-op. */
export default async function ReadOnly() {
  const session = await getSession()
  let outcome = 'saved'
  try {
    session.set('count', (session.get('count') ?? 0) + 100)
    await session.save()
  } catch (err) {
    if (!isPgStoreError(err, 'READ_ONLY')) throw err
    outcome = `${err.code}: ${err.message}`
  }
  return (
    <>
      <h1>Server components cannot write the session</h1>
      <p id="outcome">{outcome}</p>
    </>
  )
}
