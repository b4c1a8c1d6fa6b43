import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Core's tests run on its source. @pgstore/testing depends on core, so core reaches it by path, not by a
// workspace dependency (which would make the package graph cyclic).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@pgstore\/core$/, replacement: here('./src/index.ts') },
      { find: /^@pgstore\/core\/(web|adapter|testing)$/, replacement: here('./src/$1/index.ts') },
      { find: /^@pgstore\/testing$/, replacement: here('../testing/src/index.ts') },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
})
