import { defineConfig } from 'tsup'

// Not "type": "module": tsup then names ESM output .mjs/.d.mts and CJS types .d.ts; CJS code is .cjs.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
})
