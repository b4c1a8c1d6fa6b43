/**
 * Whether the store runs where a process lives for one request or a few: a serverless function, an edge
 * isolate. There a background timer is worse than useless: the platform freezes the process between
 * invocations (a frozen timer fires late, at random, on some later request), bills for or forbids work
 * outside a request, and the instance is gone before a 5-minute interval comes round. Pruning then belongs
 * to a scheduled job that calls `store.prune()`.
 *
 * Told by what each platform documents that it sets at run time. An explicit `prune.interval` wins.
 *
 * @example
 * ```ts
 * shortLivedRuntime() // 'AWS_LAMBDA_FUNCTION_NAME' on Lambda (and on Netlify Functions), undefined on a server
 * ```
 */

/**
 * Environment variables that mark a short-lived runtime, each set by its platform in every function:
 * AWS Lambda (Netlify Functions and SST run on it), Vercel, Netlify, Google Cloud Functions and Cloud Run
 * (whose CPU is throttled outside requests by default), Azure Functions, Deno Deploy.
 */
export const SHORT_LIVED_ENV = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'VERCEL',
  'NETLIFY',
  'FUNCTION_TARGET',
  'K_SERVICE',
  'FUNCTIONS_WORKER_RUNTIME',
  'DENO_DEPLOYMENT_ID',
] as const

/**
 * The marker found (an environment variable's name, `EdgeRuntime` or `Cloudflare-Workers`), or undefined
 * on a long-lived server.
 */
export function shortLivedRuntime(): string | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> }
    EdgeRuntime?: unknown
    navigator?: { userAgent?: unknown }
  }
  // Vercel's and Next's edge runtime, and Cloudflare Workers, where a timer outside a request may even throw.
  if (typeof g.EdgeRuntime === 'string') return 'EdgeRuntime'
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'Cloudflare-Workers'
  const env = g.process?.env
  if (!env) return undefined
  return SHORT_LIVED_ENV.find((name) => env[name] !== undefined && env[name] !== '')
}
