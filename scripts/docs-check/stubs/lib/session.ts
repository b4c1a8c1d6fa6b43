// The app module that the Next.js snippets import as `@/lib/session`: the READMEs' "Set up once" block.
import { createSessions } from '@pgstore/next'

export interface AppSession {
  userId?: string
  count?: number
}

export const { getSession, withSession, hasSessionCookie, store } = createSessions<AppSession>(
  () => ({
    store: { connectionString: process.env.DATABASE_URL, createTable: true, userId: (d) => d.userId },
    secrets: process.env.SESSION_SECRETS?.split(','),
  }),
  { globalKey: 'app-sessions' },
)
