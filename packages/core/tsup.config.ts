import { defineConfig } from 'tsup'
import base from '../../tsup.base'

// Four entries: the store (`.`), request sessions for frameworks (`./web`), what adapters share
// (`./adapter`), and a store on in-memory PGlite for an app's tests (`./testing`).
export default defineConfig({
  ...(base as object),
  entry: {
    index: 'src/index.ts',
    web: 'src/web/index.ts',
    adapter: 'src/adapter/index.ts',
    testing: 'src/testing/index.ts',
  },
})
