import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// The suites run on core's source, so a core fix is tested without a rebuild; the adapters' built dist
// resolves '@pgstore/core' through the same alias, so one copy of core is loaded.
// Files run one at a time: several of them kill connections or stall statements on the shared server,
// and their figures (recovery time, failed requests) are only meaningful without a neighbour's load.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@pgstore\/core$/, replacement: here('../core/src/index.ts') },
      { find: /^@pgstore\/core\/(web|adapter)$/, replacement: here('../core/src/$1/index.ts') },
      { find: /^@pgstore\/testing$/, replacement: here('../testing/src/index.ts') },
    ],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
})
