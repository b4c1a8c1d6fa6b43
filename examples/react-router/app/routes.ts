import { index, type RouteConfig, route } from '@react-router/dev/routes'

// The other examples' routes: pages are loaders with components, form posts are actions that redirect.
export default [
  index('routes/home.tsx'),
  route('login', 'routes/login.ts'),
  route('logout', 'routes/logout.ts'),
  route('sessions', 'routes/sessions.tsx'),
  route('sessions/revoke', 'routes/sessions.revoke.ts'),
  route('sessions/revoke-others', 'routes/sessions.revoke-others.ts'),
] satisfies RouteConfig
