/** The example's pages, as plain HTML strings. Everything from the user or the store goes through `esc`. */
import type { SessionEntry } from '@pgstore/core'
import type { AppSession } from './app.js'

export const esc = (value: unknown): string =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )

/**
 * A device as a person names it: "Firefox on Linux" from a browser's User-Agent, anything else as it is (cut
 * to 60 characters), "unknown device" for none. Good enough to tell one's own devices apart; not a parser.
 */
export function shortAgent(userAgent: string | undefined): string {
  if (!userAgent) return 'unknown device'
  const pick = (table: Array<[RegExp, string]>) => table.find(([pattern]) => pattern.test(userAgent))?.[1]
  const browser = pick([
    [/Edg\//, 'Edge'],
    [/Firefox\//, 'Firefox'],
    [/Chrome\//, 'Chrome'],
    [/Safari\//, 'Safari'],
  ])
  const os = pick([
    [/iPhone|iPad/, 'iOS'],
    [/Android/, 'Android'],
    [/Windows/, 'Windows'],
    [/Mac OS X/, 'macOS'],
    [/Linux/, 'Linux'],
  ])
  if (browser && os) return `${browser} on ${os}`
  return userAgent.length > 60 ? `${userAgent.slice(0, 59)}…` : userAgent
}

function page(title: string, flash: string | undefined, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}
.flash{background:#eef6ee;border:1px solid #9c9;padding:.5rem 1rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}form{display:inline}</style></head>
<body><h1>${esc(title)}</h1>
${flash ? `<p class="flash" role="status">${esc(flash)}</p>` : ''}
${body}
</body></html>`
}

export function homePage(session: AppSession, flash: string | undefined): string {
  const who = session.user
    ? `<p>Signed in as <strong>${esc(session.user)}</strong>. <a href="/sessions">Your sessions</a></p>
<form method="post" action="/logout"><button>Sign out</button></form>`
    : `<form method="post" action="/login"><label>Name <input name="name" required maxlength="40"></label>
<button>Sign in</button></form>`
  return page(
    'pgstore + Koa',
    flash,
    `<p>You have viewed this page <strong id="views">${session.views ?? 0}</strong> time(s).</p>\n${who}`,
  )
}

export function sessionsPage(
  user: string,
  entries: SessionEntry<AppSession>[],
  flash: string | undefined,
): string {
  const rows = entries
    .map(
      (
        e,
      ) => `<tr><td title="${esc(e.meta?.userAgent)}">${esc(shortAgent(e.meta?.userAgent))}${e.current ? ' <strong>(this device)</strong>' : ''}</td>
<td>${esc(e.createdAt.toISOString())}</td><td>${esc(e.updatedAt.toISOString())}</td>
<td>${
        e.current
          ? ''
          : `<form method="post" action="/sessions/revoke"><input type="hidden" name="digest" value="${esc(e.digest)}"><button>Revoke</button></form>`
      }</td></tr>`,
    )
    .join('\n')
  return page(
    `Sessions of ${user}`,
    flash,
    `<table><thead><tr><th>Device</th><th>Signed in</th><th>Last seen</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p><form method="post" action="/sessions/revoke-others"><button>Sign out all other devices</button></form>
<a href="/">Back</a></p>`,
  )
}
