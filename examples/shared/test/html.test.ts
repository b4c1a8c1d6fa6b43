import type { SessionEntry } from '@pgstore/core'
import { describe, expect, it } from 'vitest'
import { escapeHtml, layout } from '../src/html'
import { homePage, sessionRows, sessionsPage } from '../src/pages'

describe('escapeHtml', () => {
  it('escapes the five characters that end text or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    )
  })

  it('escapes once, keeps other text as it is, and prints nothing for null or undefined', () => {
    expect(escapeHtml('&amp;')).toBe('&amp;amp;')
    expect(escapeHtml('Zoë → 東京 🙂')).toBe('Zoë → 東京 🙂')
    expect(escapeHtml(null)).toBe('')
    expect(escapeHtml(undefined)).toBe('')
    expect(escapeHtml(42)).toBe('42')
  })
})

describe('layout and nav', () => {
  it('signed out: the log-in form with field name, no "Your sessions", no log out', () => {
    const html = layout({ title: 'Home' }, '<p>x</p>')
    expect(html).toContain('<form method="post" action="/login">')
    expect(html).toContain('<input name="name"')
    expect(html).not.toContain('Your sessions')
    expect(html).not.toContain('action="/logout"')
  })

  it('signed in: the name, "Your sessions" and log out, and no log-in form', () => {
    const html = layout({ title: 'Home', user: 'ada' }, '')
    expect(html).toContain('Signed in as <strong>ada</strong>')
    expect(html).toContain('<a href="/sessions">Your sessions</a>')
    expect(html).toContain('<form method="post" action="/logout">')
    expect(html).not.toContain('action="/login"')
    expect(html).not.toContain('Log in')
  })

  it('escapes the title, the user and the flash', () => {
    const html = layout({ title: '<t>', user: '<u>', flash: '<f>' }, '')
    expect(html).not.toMatch(/<[tuf]>/)
    expect(html).toContain('<title>&lt;t&gt;</title>')
    expect(html).toContain('<strong>&lt;u&gt;</strong>')
    expect(html).toContain('<p class="flash" role="status">&lt;f&gt;</p>')
  })
})

describe('pages', () => {
  const now = new Date(2026, 11, 4, 15, 30)
  const entry = (over: Partial<SessionEntry>): SessionEntry => ({
    digest: 'd1',
    data: {},
    userId: 'ada',
    createdAt: new Date(now.getTime() - 3 * 60_000),
    updatedAt: new Date(now.getTime() - 60_000),
    expiresAt: new Date(now.getTime() + 86_400_000),
    meta: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' },
    current: true,
    ...over,
  })

  it('home page: the count and the framework in the title', () => {
    const html = homePage({ user: null, views: 1, flash: 'Hi', framework: 'Koa' })
    expect(html).toContain('<title>pgstore + Koa</title>')
    expect(html).toContain('<strong id="views">1</strong> time.')
    expect(homePage({ views: 2 })).toContain('<strong id="views">2</strong> times.')
  })

  it('sessions page: device names and human dates, revoke for the others only', () => {
    const html = sessionsPage({
      user: 'ada',
      now,
      entries: [
        entry({}),
        entry({
          digest: '"><script>',
          current: false,
          createdAt: new Date(2026, 11, 3, 14, 2),
          updatedAt: new Date(2026, 11, 3, 14, 2),
          meta: {
            userAgent:
              'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
          },
        }),
      ],
    })
    expect(html).toContain('>Firefox on Linux</td>')
    expect(html).toContain('>Safari on iPhone</td>')
    expect(html).toContain('>3 minutes ago</time>')
    expect(html).toContain('>yesterday at 14:02</time>')
    expect(html).not.toMatch(/>\d{4}-\d\d-\d\dT/)
    expect(html.match(/action="\/sessions\/revoke"/g)).toHaveLength(1)
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;"')
    expect(html).toContain('action="/sessions/revoke-others"')
    expect(html).toContain('Signed in as <strong>ada</strong>')
  })

  it('sessions page: no "log out other devices" when this is the only one', () => {
    const html = sessionsPage({ user: 'ada', now, entries: [entry({})] })
    expect(html).not.toContain('revoke-others')
    expect(html).toContain('No other device is signed in.')
  })

  it('sessionRows: the same list as JSON, with ISO dates beside the human ones', () => {
    expect(sessionRows([entry({ meta: null })], now)).toEqual([
      {
        digest: 'd1',
        current: true,
        device: 'unknown device',
        userAgent: null,
        signedIn: '3 minutes ago',
        lastSeen: '1 minute ago',
        createdAt: new Date(now.getTime() - 3 * 60_000).toISOString(),
        lastSeenAt: new Date(now.getTime() - 60_000).toISOString(),
        expiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
      },
    ])
  })
})
