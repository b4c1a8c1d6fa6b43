import { defineConfig } from 'tsup'

/**
 * The build every published package shares: ESM + CJS + .d.ts from src/index.ts. Packages are not
 * "type": "module", so tsup names ESM output .mjs/.d.mts and CJS types .d.ts; CJS code is named .cjs.
 * Every .d.ts references Node's types: TypeScript 7 includes no @types package unless asked, and without
 * the reference `PgStore extends EventEmitter` silently loses `on` in an app that lists no `types`.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { banner: '/// <reference types="node" />' },
  clean: true,
  sourcemap: true,
  target: 'node20',
  outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
})
