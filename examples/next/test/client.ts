/** A cookie-keeping HTTP client for one "device", and probes that read the app's table directly. */
import { digest } from '@pgstore/testing'
import pg from 'pg'
import { inject } from 'vitest'

export class Device {
  readonly cookies = new Map<string, string>()
  constructor(
    readonly baseUrl = inject('baseUrl'),
    readonly userAgent = 'e2e-device',
  ) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    headers.set('user-agent', this.userAgent)
    headers.set('origin', this.baseUrl)
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '))
    }
    const res = await fetch(new URL(path, this.baseUrl), { ...init, headers, redirect: 'manual' })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq)
      const value = pair!.slice(eq + 1)
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }

  /** Submits a server-action form the way a browser without JavaScript does: the action id as a field. */
  async submit(page: string, fields: Record<string, string> = {}, which = 0): Promise<Response> {
    const html = await (await this.fetch(page)).text()
    const ids = [...html.matchAll(/name="(\$ACTION_ID_[0-9a-f]+)"/g)].map((m) => m[1]!)
    const id = ids[which]
    if (!id) throw new Error(`no server-action form #${which} on ${page}`)
    const form = new FormData()
    form.set(id, '')
    for (const [k, v] of Object.entries(fields)) form.set(k, v)
    return this.fetch(page, { method: 'POST', body: form })
  }

  /** The session id inside the signed cookie, for probing the table. */
  sessionId(name = '__Host-pgsid'): string | undefined {
    return this.cookies.get(name)?.split('.')[0]
  }
}

export { digest }

export async function sessionRow(
  sid: string,
): Promise<{ data: Record<string, unknown>; meta: Record<string, string> | null } | undefined> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') })
  await client.connect()
  try {
    const { rows } = await client.query('select data, meta from public.http_sessions where id = $1', [
      digest(sid),
    ])
    return rows[0]
  } finally {
    await client.end()
  }
}
