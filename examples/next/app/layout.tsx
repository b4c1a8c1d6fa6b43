import type { ReactNode } from 'react'
import { getSession } from '@/lib/session'

export const metadata = { title: 'pgstore + Next.js' }

/**
 * The nav follows the visitor: signed in, the name and "Your sessions"; signed out, "Log in". It holds no
 * form (log out is on the home page), so the pages' server-action forms keep their order.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  const name = (await getSession()).get('name')
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto' }}>
        <nav id="nav">
          <a href="/">Home</a> ·{' '}
          {name ? (
            <>
              <a href="/sessions">Your sessions</a> · <span id="nav-user">{name}</span>
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
