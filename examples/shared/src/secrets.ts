/**
 * Cookie signing secrets for the examples: SESSION_SECRETS, comma-separated, newest first (the first signs,
 * every one verifies, so secrets rotate by prepending). Required in production; elsewhere a random secret is
 * made once per process, so every restart logs everyone out, which is fine for a demo.
 *
 * @example
 * ```ts
 * app.use(session(sessionDefaults({ store, secret: sessionSecrets() })))
 * ```
 */
import { randomBytes } from 'node:crypto'

/** On globalThis, so that Next's several copies of a module in one process share one secret and one warning. */
const DEV_SECRET = Symbol.for('pgstore.example.devSecret')
const holder = globalThis as typeof globalThis & { [DEV_SECRET]?: string }

/**
 * @throws Error when NODE_ENV is `production` and SESSION_SECRETS is unset or empty.
 */
export function sessionSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = (env.SESSION_SECRETS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (configured.length > 0) return configured
  if (env.NODE_ENV === 'production')
    throw new Error(
      'Set SESSION_SECRETS to one or more secrets of at least 32 characters, comma-separated, newest first ' +
        '(for example: SESSION_SECRETS=$(openssl rand -base64 32)). A production app cannot sign cookies ' +
        'with a secret that changes on every start.',
    )
  if (!holder[DEV_SECRET]) {
    holder[DEV_SECRET] = randomBytes(32).toString('base64url')
    console.warn(
      'SESSION_SECRETS is not set: signing cookies with a random secret, so sessions end when this process does.',
    )
  }
  return [holder[DEV_SECRET]]
}
