// What an Express fragment takes from the app around it: the app, the request of the route it sits in, a
// pg.Pool, and the session field the README's "Typing session data" declares.
import type { Express, Request } from 'express'
import type {} from 'express-session'
import type { Pool } from 'pg'

declare const app: Express
declare const req: Request
declare const pool: Pool
declare module 'express-session' {
  interface SessionData {
    userId: string
  }
}
