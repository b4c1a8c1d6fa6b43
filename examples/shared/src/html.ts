/**
 * Just enough HTML for the examples: one page frame with the navigation for the visitor's state. Every value
 * from a user, a header or the database goes through `escapeHtml`.
 *
 * @example
 * ```ts
 * res.send(layout({ title: 'Hello', user: 'ada' }, `<p>${escapeHtml(text)}</p>`))
 * ```
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text safe in element content and in quoted attribute values. `null` and `undefined` become ''. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

export interface PageFrame {
  /** The page's `<title>` and heading. */
  title: string
  /** The signed-in user's name, or nothing when signed out. */
  user?: string | null
  /** A message shown once, above the page's content. */
  flash?: string | null
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
nav{display:flex;gap:1rem;align-items:center;border-bottom:1px solid #ddd;padding-bottom:.5rem}nav form{margin:0}
.flash{background:#e6f4ea;border:1px solid #9c9;padding:.5rem 1rem}table{border-collapse:collapse;width:100%}
td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}td form{margin:0}`

/**
 * Signed in: the name, "Your sessions" and a log-out button. Signed out: the log-in form (field `name`).
 * Never both, so a signed-in visitor is never offered "Log in".
 */
export function nav(user: string | null | undefined): string {
  const state = user
    ? `<span id="who">Signed in as <strong>${escapeHtml(user)}</strong></span>
<a href="/sessions">Your sessions</a>
<form method="post" action="/logout"><button id="logout">Log out</button></form>`
    : `<form method="post" action="/login"><label>Name <input name="name" required maxlength="40" autocomplete="username"></label>
<button id="login">Log in</button></form>`
  return `<nav><a href="/">Home</a>\n${state}</nav>`
}

export function layout(frame: PageFrame, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(frame.title)}</title><style>${STYLE}</style></head>
<body>
${nav(frame.user)}
<h1>${escapeHtml(frame.title)}</h1>
${frame.flash ? `<p class="flash" role="status">${escapeHtml(frame.flash)}</p>\n` : ''}${body}
</body></html>`
}
