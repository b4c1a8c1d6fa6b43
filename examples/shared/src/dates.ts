/**
 * Dates as a person reads them on "your sessions": "just now", "3 minutes ago", "2 hours ago",
 * "yesterday at 14:02", "Monday at 09:15", "3 Nov at 14:02", "3 Nov 2025 at 14:02", and the same forward
 * ("in 5 minutes", "tomorrow at 14:02") for expiry times. Clock times are in the server's time zone.
 *
 * @example
 * ```ts
 * timeAgo(new Date(Date.now() - 180_000)) // '3 minutes ago'
 * ```
 */

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`
const clock = (d: Date) =>
  `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
/** Whole calendar days from `from` to `to`, in local time (so 23:59 to 00:01 is one day). */
const calendarDays = (from: Date, to: Date) =>
  Math.round(
    (new Date(to.getFullYear(), to.getMonth(), to.getDate()).getTime() -
      new Date(from.getFullYear(), from.getMonth(), from.getDate()).getTime()) /
      (24 * HOUR),
  )

/** `date` relative to `now`: minutes and hours up to 6 hours away, then the day and the clock time. */
export function timeAgo(date: Date | string | number, now: Date = new Date()): string {
  const when = new Date(date)
  if (Number.isNaN(when.getTime())) return 'unknown'
  const diff = now.getTime() - when.getTime()
  const past = diff >= 0
  const abs = Math.abs(diff)
  if (abs < MINUTE) return past ? 'just now' : 'in a moment'
  if (abs < HOUR) {
    const n = plural(Math.floor(abs / MINUTE), 'minute')
    return past ? `${n} ago` : `in ${n}`
  }
  const days = calendarDays(now, when)
  if (abs < 6 * HOUR && days === 0) {
    const n = plural(Math.floor(abs / HOUR), 'hour')
    return past ? `${n} ago` : `in ${n}`
  }
  const at = ` at ${clock(when)}`
  if (days === 0) return `today${at}`
  if (days === -1) return `yesterday${at}`
  if (days === 1) return `tomorrow${at}`
  if (days > -7 && days < 0) return `${DAYS[when.getDay()]}${at}`
  const year = when.getFullYear() === now.getFullYear() ? '' : ` ${when.getFullYear()}`
  return `${when.getDate()} ${MONTHS[when.getMonth()]}${year}${at}`
}
