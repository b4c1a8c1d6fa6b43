/**
 * The pages the Express, Koa and Fastify examples share, so the three look and behave alike: the home page
 * (a visit counter and the log-in form or the user) and "your sessions" (device, when it signed in, when it
 * was last seen; revoke one, or every other). `sessionRows` is the same list as JSON.
 *
 * @example
 * ```ts
 * const entries = await store.listByUser(user, { current: sessionId })
 * res.send(sessionsPage({ user, entries, flash, framework: 'Express' }))
 * ```
 */
import type { SessionEntry } from '@pgstore/core'
import { timeAgo } from './dates'
import { deviceName } from './device'
import { escapeHtml, layout } from './html'

/** What the pages read from a `listByUser` entry; any `SessionEntry` fits. */
export type ListedSession = Pick<
  SessionEntry,
  'digest' | 'current' | 'createdAt' | 'updatedAt' | 'expiresAt' | 'meta'
>

export interface HomePageOptions {
  user?: string | null
  /** This session's visit count, this visit included. */
  views: number
  flash?: string | null
  /** Shown in the title: "pgstore + Koa". */
  framework?: string
}

export interface SessionsPageOptions {
  user: string
  entries: readonly ListedSession[]
  flash?: string | null
  framework?: string
  /** The time the dates are relative to. @default the current time */
  now?: Date
}

/** One listed session as the JSON answers give it: the names the page shows, and ISO dates. */
export interface SessionRow {
  /** The opaque handle `POST /sessions/revoke` takes; never a usable session id. */
  digest: string
  current: boolean
  /** "Firefox on Linux", from the User-Agent the login sent. */
  device: string
  userAgent: string | null
  /** "3 minutes ago" */
  signedIn: string
  /** "yesterday at 14:02": the last write or unthrottled touch (see `SessionEntry.updatedAt`). */
  lastSeen: string
  createdAt: string
  lastSeenAt: string
  expiresAt: string
}

const title = (framework: string | undefined) => (framework ? `pgstore + ${framework}` : 'pgstore example')

export function homePage({ user, views, flash, framework }: HomePageOptions): string {
  return layout(
    { title: title(framework), user, flash },
    `<p>You have visited this page <strong id="views">${views}</strong> time${views === 1 ? '' : 's'}.</p>
${user ? '' : '<p>Log in with any name, then again in another browser, and open "Your sessions".</p>'}`,
  )
}

export function sessionRows(entries: readonly ListedSession[], now: Date = new Date()): SessionRow[] {
  return entries.map((e) => ({
    digest: e.digest,
    current: e.current,
    device: deviceName(e.meta?.userAgent),
    userAgent: e.meta?.userAgent ?? null,
    signedIn: timeAgo(e.createdAt, now),
    lastSeen: timeAgo(e.updatedAt, now),
    createdAt: e.createdAt.toISOString(),
    lastSeenAt: e.updatedAt.toISOString(),
    expiresAt: e.expiresAt.toISOString(),
  }))
}

const time = (iso: string, text: string) =>
  `<time datetime="${iso}" title="${iso}">${escapeHtml(text)}</time>`

export function sessionsPage({ user, entries, flash, framework, now }: SessionsPageOptions): string {
  const rows = sessionRows(entries, now)
    .map(
      (
        r,
      ) => `<tr data-current="${r.current}"><td title="${escapeHtml(r.userAgent)}">${escapeHtml(r.device)}</td>
<td>${time(r.createdAt, r.signedIn)}</td><td>${time(r.lastSeenAt, r.lastSeen)}</td>
<td>${
        r.current
          ? '<strong>this device</strong>'
          : `<form method="post" action="/sessions/revoke"><input type="hidden" name="digest" value="${escapeHtml(r.digest)}"><button>Revoke</button></form>`
      }</td></tr>`,
    )
    .join('\n')
  const others = entries.some((e) => !e.current)
  return layout(
    { title: `Your sessions${framework ? ` (${framework})` : ''}`, user, flash },
    `<table id="sessions"><thead><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table>
${others ? '<form method="post" action="/sessions/revoke-others"><button id="revoke-others">Log out all other devices</button></form>' : '<p>No other device is signed in.</p>'}`,
  )
}
