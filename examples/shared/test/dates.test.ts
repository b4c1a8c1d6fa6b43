import { describe, expect, it } from 'vitest'
import { timeAgo } from '../src/dates'

// Local-time constructors, so the expectations hold in any TZ the tests run in.
const now = new Date(2026, 11, 4, 15, 30, 0) // Friday 4 Dec 2026, 15:30
const at = (...parts: [number, number, number, number, number]) => new Date(...parts)
const minutes = (n: number) => new Date(now.getTime() - n * 60_000)

describe('timeAgo', () => {
  it('says just now under a minute, then minutes, then hours', () => {
    expect(timeAgo(now, now)).toBe('just now')
    expect(timeAgo(new Date(now.getTime() - 59_000), now)).toBe('just now')
    expect(timeAgo(minutes(1), now)).toBe('1 minute ago')
    expect(timeAgo(minutes(3), now)).toBe('3 minutes ago')
    expect(timeAgo(minutes(59), now)).toBe('59 minutes ago')
    expect(timeAgo(minutes(60), now)).toBe('1 hour ago')
    expect(timeAgo(minutes(5 * 60 + 59), now)).toBe('5 hours ago')
  })

  it('gives the day and the clock time beyond six hours', () => {
    expect(timeAgo(at(2026, 11, 4, 8, 5), now)).toBe('today at 08:05')
    expect(timeAgo(at(2026, 11, 3, 14, 2), now)).toBe('yesterday at 14:02')
    expect(timeAgo(at(2026, 11, 1, 9, 15), now)).toBe('Tuesday at 09:15')
    expect(timeAgo(at(2026, 10, 3, 14, 2), now)).toBe('3 Nov at 14:02')
    expect(timeAgo(at(2025, 10, 3, 14, 2), now)).toBe('3 Nov 2025 at 14:02')
  })

  it('counts calendar days, so a late-night session shortly before midnight is yesterday', () => {
    const justAfterMidnight = new Date(2026, 11, 4, 0, 30)
    expect(timeAgo(at(2026, 11, 3, 23, 0), justAfterMidnight)).toBe('yesterday at 23:00')
  })

  it('reads forward for dates to come, such as an expiry', () => {
    expect(timeAgo(new Date(now.getTime() + 30_000), now)).toBe('in a moment')
    expect(timeAgo(new Date(now.getTime() + 5 * 60_000), now)).toBe('in 5 minutes')
    expect(timeAgo(new Date(now.getTime() + 2 * 3_600_000), now)).toBe('in 2 hours')
    expect(timeAgo(at(2026, 11, 5, 14, 2), now)).toBe('tomorrow at 14:02')
    expect(timeAgo(at(2026, 11, 11, 15, 30), now)).toBe('11 Dec at 15:30')
  })

  it('takes ISO strings and epoch milliseconds, and says unknown for garbage', () => {
    expect(timeAgo(minutes(3).toISOString(), now)).toBe('3 minutes ago')
    expect(timeAgo(minutes(3).getTime(), now)).toBe('3 minutes ago')
    expect(timeAgo('not a date', now)).toBe('unknown')
  })
})
