/**
 * A browser for the tests: keeps the session cookie between its requests (to a real server through `fetch`,
 * or to React Router's request handler), follows nothing, and reads what the pages show.
 */
export type Send = (url: string, init: RequestInit) => Promise<Response>

export interface Page {
  status: number
  location: string | null
  body: string
  /** The visit count on the home page. */
  views: number | undefined
  /** The flash shown, if any. */
  flash: string | undefined
  /** The signed-in user the nav shows, if any. */
  user: string | undefined
  /** The digests "Revoke" buttons post: the other devices' sessions. */
  digests: string[]
}

const fromHtml = (text: string) =>
  text
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

export function read(status: number, location: string | null, body: string): Page {
  const views = /id="views">(\d+)</.exec(body)?.[1]
  const flash = /class="flash" role="status">([^<]*)</.exec(body)?.[1]
  const user = /Signed in as <strong>([^<]*)</.exec(body)?.[1]
  return {
    status,
    location,
    body,
    views: views === undefined ? undefined : Number(views),
    flash: flash === undefined ? undefined : fromHtml(flash),
    user: user === undefined ? undefined : fromHtml(user),
    digests: [...body.matchAll(/name="digest" value="([^"]+)"/g)].map((m) => m[1]!),
  }
}

export function browser(send: Send, userAgent = 'test-browser') {
  let cookie: string | undefined
  return async (method: 'GET' | 'POST', url: string, form?: Record<string, string>): Promise<Page> => {
    const headers: Record<string, string> = { accept: 'text/html', 'user-agent': userAgent }
    if (cookie) headers.cookie = cookie
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded'
    const body = form ? new URLSearchParams(form).toString() : undefined
    const res = await send(url, { method, headers, body, redirect: 'manual' })
    const next = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('pgsid='))
      ?.split(';')[0]
    if (next) cookie = next.endsWith('=') ? undefined : next
    return read(res.status, res.headers.get('location'), await res.text())
  }
}
