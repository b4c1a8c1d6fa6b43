/**
 * The frame every page shares, as the other examples' `layout` draws it: the navigation for the visitor's
 * state, the heading and the flash shown once. The messages are `@pgstore/example-shared`'s.
 *
 * @example
 * ```tsx
 * <Page title="pgstore + React Router" user={user} flash={flash}>…</Page>
 * ```
 */
import type { ReactNode } from 'react'
import { Form, Link } from 'react-router'

/** Signed in: the name, "Your sessions" and a log-out button. Signed out: the log-in form (field `name`). */
function Nav({ user }: { user: string | null }) {
  return (
    <nav>
      <Link to="/">Home</Link>
      {user ? (
        <>
          <span id="who">
            Signed in as <strong>{user}</strong>
          </span>
          <Link to="/sessions">Your sessions</Link>
          <Form method="post" action="/logout">
            <button type="submit" id="logout">
              Log out
            </button>
          </Form>
        </>
      ) : (
        <Form method="post" action="/login">
          <label>
            Name <input name="name" required maxLength={40} autoComplete="username" />
          </label>
          <button type="submit" id="login">
            Log in
          </button>
        </Form>
      )}
    </nav>
  )
}

export interface PageProps {
  title: string
  user: string | null
  flash: string | null
  children: ReactNode
}

export function Page({ title, user, flash, children }: PageProps) {
  return (
    <>
      <title>{title}</title>
      <Nav user={user} />
      <h1>{title}</h1>
      {flash ? (
        <p className="flash" role="status">
          {flash}
        </p>
      ) : null}
      {children}
    </>
  )
}
