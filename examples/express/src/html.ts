/** Just enough HTML for the example: every value from a user or the database goes through escapeHtml. */
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}

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

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px system-ui;max-width:46rem;margin:3rem auto;padding:0 1rem}.flash{background:#e6f4ea;padding:.5rem 1rem}
table{border-collapse:collapse}td,th{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`
}
