import { defineConfig } from 'tsup'
import base from '../../tsup.base'

// Three entries: the store (`.`), request sessions for frameworks (`./web`), what adapters share (`./adapter`).
export default defineConfig({
  ...(base as object),
  entry: { index: 'src/index.ts', web: 'src/web/index.ts', adapter: 'src/adapter/index.ts' },
})
