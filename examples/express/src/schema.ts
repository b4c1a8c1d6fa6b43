/** The schema drizzle-kit reads (see drizzle.config.ts): pgstore's session table, `public.http_sessions`. */
export { sessions } from '@pgstore/core'
