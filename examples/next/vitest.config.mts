import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// End-to-end: one production build, one `next start`, one headless Chromium. Generous limits, because a
// cold build on two cores and a browser launch are slow; nothing waits on a fixed timer.
// The aliases are Next's own, for the tests that import route handlers directly (session-store.test.ts).
export default defineConfig({
  resolve: {
    alias: {
      '@/': fileURLToPath(new URL('./', import.meta.url)),
      'server-only': fileURLToPath(new URL('./test/stubs/server-only.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
})
