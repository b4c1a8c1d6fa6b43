// Removes last run's vitest reports so the summary counts only this run.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
for (const group of ['packages', 'examples']) {
  if (!existsSync(join(root, group))) continue
  for (const name of readdirSync(join(root, group))) {
    rmSync(join(root, group, name, '.vitest-result.json'), { force: true })
  }
}
