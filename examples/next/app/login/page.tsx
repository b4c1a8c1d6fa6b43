import { login } from '../actions'

export default async function Login({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams
  return (
    <>
      <h1>Log in</h1>
      {error && <p role="alert">Use 1 to 40 letters, digits, spaces, dots or dashes.</p>}
      <form action={login}>
        <label>
          Name <input name="name" id="name" required autoComplete="username" />
        </label>{' '}
        <button type="submit" id="login">
          Log in
        </button>
      </form>
    </>
  )
}
