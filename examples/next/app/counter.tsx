'use client'

import { useState } from 'react'

/** The count comes from the session on the server; the button goes through the /api/counter route handler. */
export function Counter({ initial }: { initial: number }) {
  const [count, setCount] = useState(initial)
  const increment = async () => {
    const res = await fetch('/api/counter', { method: 'POST' })
    setCount(((await res.json()) as { count: number }).count)
  }
  return (
    <p>
      Counter: <output id="count">{count}</output>{' '}
      <button type="button" id="increment" onClick={increment}>
        +1
      </button>
    </p>
  )
}
