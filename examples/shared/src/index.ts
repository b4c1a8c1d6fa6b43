/**
 * What the pgstore examples share, so that they differ only where their frameworks do: the database
 * (`openDatabase`), the cookie secrets (`sessionSecrets`), device names, human dates and the HTML pages.
 *
 * @example
 * ```ts
 * import { openDatabase, sessionSecrets, homePage } from '@pgstore/example-shared'
 * const { db, label } = openDatabase()
 * ```
 */
export { type Database, DEFAULT_PGLITE_DIR, openDatabase, pgliteDir } from './database'
export { timeAgo } from './dates'
export { deviceName } from './device'
export { escapeHtml, layout, nav, type PageFrame } from './html'
export { FLASH, parseName } from './messages'
export {
  type HomePageOptions,
  homePage,
  type ListedSession,
  type SessionRow,
  type SessionsPageOptions,
  sessionRows,
  sessionsPage,
} from './pages'
export { sessionSecrets } from './secrets'
