/**
 * The touchAfter rule: a touch less than `touchAfter` ms after the session's last write writes nothing,
 * capped at half the lifetime the touch asks for (without its margin), so a short-lived session still
 * moves. The clock holds the last write time this process saw per digest, bounded, oldest forgotten first.
 */

/** How many sessions' last-write times are remembered. */
const SIZE = 10_000

export class WriteClock {
  readonly #touchAfter: number
  readonly #last = new Map<string, number>()

  constructor(touchAfter: number) {
    this.#touchAfter = touchAfter
  }

  /** True when a touch to `expiresAt` (epoch ms) can be skipped. */
  throttled(digest: string, expiresAt: number): boolean {
    const last = this.#last.get(digest)
    if (last === undefined) return false
    const now = Date.now()
    return now - last < Math.min(this.#touchAfter, (expiresAt - now) / 2)
  }

  /** Records a write (or a read of the row's last write time) at `at`, epoch ms. */
  remember(digest: string, at: number): void {
    this.#last.delete(digest)
    this.#last.set(digest, at)
    if (this.#last.size > SIZE) this.#last.delete(this.#last.keys().next().value!)
  }

  forget(digest: string): void {
    this.#last.delete(digest)
  }

  clear(): void {
    this.#last.clear()
  }
}
