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
