import type { Config } from '@react-router/dev/config'

// Built into dist/ (server and client), which turbo's build outputs already declare.
export default { ssr: true, buildDirectory: 'dist' } satisfies Config
