// connect-pg-simple ships no types; the import test needs only its factory.
declare module 'connect-pg-simple' {
  import type session from 'express-session'

  const connectPgSimple: (s: typeof session) => new (options: Record<string, unknown>) => session.Store
  export default connectPgSimple
}
