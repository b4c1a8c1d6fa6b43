import type { ReactNode } from 'react'

export const metadata = { title: 'pgstore + Next.js' }

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto' }}>
        <nav>
          <a href="/">Home</a> · <a href="/sessions">Your sessions</a> · <a href="/login">Log in</a>
        </nav>
        <main>{children}</main>
      </body>
    </html>
  )
}
