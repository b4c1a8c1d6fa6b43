/**
 * A device as a person names it, from the User-Agent a session recorded at login: "Firefox on Linux",
 * "Safari on iPhone". Good enough to tell one's own devices apart; not a parser.
 *
 * @example
 * ```ts
 * deviceName('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0') // 'Firefox on Linux'
 * ```
 */

/** First match wins: Edge, Opera and Samsung Internet also say Chrome, and Chrome also says Safari. */
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/Chrome\/|\bCriOS\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
]

/** First match wins: Android also says Linux, and iOS says "like Mac OS X". */
const SYSTEMS: Array<[RegExp, string]> = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMacintosh\b|\bMac OS X\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
]

const MAX_RAW = 60

/** "Browser on system"; a User-Agent that is neither (curl, a script) as it is, cut to 60 characters. */
export function deviceName(userAgent: string | null | undefined): string {
  const agent = userAgent?.trim()
  if (!agent) return 'unknown device'
  const pick = (table: Array<[RegExp, string]>) => table.find(([pattern]) => pattern.test(agent))?.[1]
  const browser = pick(BROWSERS)
  const system = pick(SYSTEMS)
  if (browser && system) return `${browser} on ${system}`
  if (browser) return browser
  return agent.length > MAX_RAW ? `${agent.slice(0, MAX_RAW - 1)}…` : agent
}
