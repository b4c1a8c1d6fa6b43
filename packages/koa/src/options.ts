/**
 * Cookie settings for koa-session that suit a store-backed session, to spread into its options.
 *
 * @example
 * ```ts
 * app.use(session({ ...secureSessionOptions(), store, maxAge: 86_400_000 }, app))
 * ```
 */
import { newSessionId } from '@pgstore/core'

/** The subset of koa-session's options that {@link secureSessionOptions} fills. */
export interface SecureSessionOptions {
  /** 256-bit ids from core's `newSessionId` (koa-session's default is a UUID, 122 random bits). */
  genid: () => string
  /** @default true */
  httpOnly: boolean
  /** @default 'lax' */
  sameSite: 'lax'
  /**
   * Secure cookies in production. Behind a TLS-terminating proxy set `app.proxy = true`, or Koa refuses
   * to send a secure cookie over what it sees as plain HTTP.
   * @default process.env.NODE_ENV === 'production'
   */
  secure: boolean
  /** Signed with `app.keys`, so a forged id is dropped before any query. @default true */
  signed: boolean
}

/** Secure defaults for koa-session: strong ids, httpOnly, SameSite=Lax, signed, Secure in production. */
export function secureSessionOptions(): SecureSessionOptions {
  return {
    genid: newSessionId,
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.NODE_ENV === 'production',
    signed: true,
  }
}
