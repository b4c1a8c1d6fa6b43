import type { TestProject } from 'vitest/node'
import { buildIfNeeded, startApp } from './server'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    databaseUrl: string
  }
}

export default async function setup(project: TestProject) {
  const buildMs = buildIfNeeded()
  console.log(
    buildMs === null
      ? 'next build: up to date, not rebuilt'
      : `next build took ${(buildMs / 1000).toFixed(1)} s`,
  )
  const app = await startApp()
  project.provide('baseUrl', app.baseUrl)
  project.provide('databaseUrl', app.databaseUrl)
  return () => app.stop()
}
