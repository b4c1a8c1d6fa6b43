import { pgliteDir } from '@pgstore/example-shared'
import { defineConfig } from 'drizzle-kit'

// `drizzle-kit push` creates pgstore's table in the app's database: PostgreSQL when DATABASE_URL is set,
// else the PGlite data directory the app uses (stop the app first: PGlite allows one process at a time).
// tablesFilter keeps push to the session table, so it never proposes dropping an app's other tables.
export default process.env.DATABASE_URL
  ? defineConfig({
      dialect: 'postgresql',
      schema: './src/schema.ts',
      tablesFilter: ['http_sessions'],
      dbCredentials: { url: process.env.DATABASE_URL },
    })
  : defineConfig({
      dialect: 'postgresql',
      driver: 'pglite',
      schema: './src/schema.ts',
      tablesFilter: ['http_sessions'],
      dbCredentials: { url: pgliteDir() },
    })
