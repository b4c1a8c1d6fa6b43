import type { Config } from '@react-router/dev/config'

// Built into dist/ (server and client), which turbo's build outputs already declare. React Router 8's
// behaviour now, except middleware: under `v8_middleware` the load context becomes a RouterContextProvider
// keyed by `createContext()` objects, and server.ts's copy of that key would not be the built app's.
export default {
  ssr: true,
  buildDirectory: 'dist',
  future: {
    v8_splitRouteModules: true,
    v8_viteEnvironmentApi: true,
    v8_passThroughRequests: true,
    v8_trailingSlashAwareDataRequests: true,
  },
} satisfies Config
