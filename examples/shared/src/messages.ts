/**
 * The log-in rule and the flash messages, the same in every example, so their tests and their pages agree.
 *
 * @example
 * ```ts
 * const name = parseName(form.get('name'))
 * if (!name) flash(FLASH.badName)
 * ```
 */

/** Letters, digits, spaces, dots, dashes, underscores and apostrophes, 1 to 40 of them, once trimmed. */
const NAME = /^[\p{L}\p{N} ._'-]{1,40}$/u

/** The demo's log-in: any acceptable name signs in (a real app checks a password). Null when unacceptable. */
export function parseName(raw: unknown): string | null {
  const name = typeof raw === 'string' ? raw.trim() : ''
  return NAME.test(name) ? name : null
}

export const FLASH = {
  welcome: (name: string) => `Welcome, ${name}!`,
  badName: 'Pick a name of 1 to 40 letters, digits, spaces, dots, dashes or underscores.',
  loggedOut: 'You are logged out.',
  logInFirst: 'Log in first.',
  revoked: 'That device was logged out.',
  alreadyGone: 'That session was already gone.',
  revokedOthers: (n: number) => `Logged out ${n} other device${n === 1 ? '' : 's'}.`,
} as const
