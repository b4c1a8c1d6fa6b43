import { defineConfig } from 'vitest/config'

// End-to-end: one production build, one `next start`, one headless Chromium. Generous limits, because a
// cold build on two cores and a browser launch are slow; nothing waits on a fixed timer.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
})
