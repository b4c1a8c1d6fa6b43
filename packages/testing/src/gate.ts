/**
 * Holds a request at a known point until the test lets it go: a route calls `entered()` and awaits
 * `open`; the test awaits `inside`, does what must happen while the request is in flight, then `release()`.
 */
export interface Gate {
  entered(): void
  release(): void
  /** Resolves once the request has reached the gate. */
  inside: Promise<void>
  /** Resolves once the test releases the request. */
  open: Promise<void>
}

export function gate(): Gate {
  let entered!: () => void
  let release!: () => void
  const inside = new Promise<void>((r) => {
    entered = r
  })
  const open = new Promise<void>((r) => {
    release = r
  })
  return { entered, release, inside, open }
}
