'use client'

import { useEffect, useState } from 'react'

/**
 * Reading a flash removes it, which is a session write, and a server component cannot write cookies. So the
 * page asks the /api/flash route handler for its flashes once it has loaded.
 */
export function Flash() {
  const [messages, setMessages] = useState<string[] | null>(null)
  useEffect(() => {
    fetch('/api/flash', { method: 'POST' })
      .then((res) => res.json() as Promise<{ notice: string[] }>)
      .then((body) => setMessages(body.notice))
      .catch(() => setMessages([]))
  }, [])
  if (messages === null) return <p id="flash-pending" />
  return (
    <div id="flash" data-loaded="true">
      {messages.map((m) => (
        <p key={m} role="status">
          {m}
        </p>
      ))}
    </div>
  )
}
