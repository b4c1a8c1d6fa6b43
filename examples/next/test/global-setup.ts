import type { TestProject } from 'vitest/node'
import { buildIfNeeded, lastBuildMs, startApp } from './server'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    databaseUrl: string
  }
}

export default async function setup(project: TestProject) {
  const buildMs = buildIfNeeded()
  const traced = lastBuildMs()
  const seconds = (ms: number | null) => (ms === null ? 'unknown' : `${(ms / 1000).toFixed(1)} s`)
  console.log(
    buildMs === null
      ? `next build: up to date, not rebuilt here; its last run took ${seconds(traced)} (.next/trace-build)`
      : `next build took ${seconds(buildMs)} here (${seconds(traced)} by Next's own trace)`,
  )
  const app = await startApp()
  project.provide('baseUrl', app.baseUrl)
  project.provide('databaseUrl', app.databaseUrl)
  return () => app.stop()
}
