import { defineConfig } from 'tsup'

/**
 * The build every published package shares: ESM + CJS + .d.ts from src/index.ts. Packages are not
 * "type": "module", so tsup names ESM output .mjs/.d.mts and CJS types .d.ts; CJS code is named .cjs.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
})
