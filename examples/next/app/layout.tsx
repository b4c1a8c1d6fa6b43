import type { ReactNode } from 'react'
import { getSession } from '@/lib/session'
import { logout } from './actions'

export const metadata = { title: 'pgstore + Next.js' }

/** The nav follows the visitor: signed in, the name, "Your sessions" and log out; signed out, "Log in". */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const name = (await getSession()).get('name')
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto' }}>
        <nav style={{ display: 'flex', gap: '1rem', alignItems: 'center' }}>
          <a href="/">Home</a>
          {name ? (
            <>
              <span id="nav-user">
                Signed in as <strong>{name}</strong>
              </span>
              <a href="/sessions">Your sessions</a>
              <form action={logout} style={{ margin: 0 }}>
                <button type="submit">Log out</button>
              </form>
            </>
          ) : (
            <a href="/login">Log in</a>
          )}
        </nav>
        <main>{children}</main>
      </body>
    </html>
  )
}
