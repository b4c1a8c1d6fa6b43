// Sums the vitest JSON reports every package wrote during `pnpm test`, prints one line per package and a
// closing `N passed, N failed` line, and fails when any package ran no test or had a failure.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const dirs = ['packages', 'examples'].flatMap((group) =>
  existsSync(join(root, group)) ? readdirSync(join(root, group)).map((name) => join(group, name)) : [],
)
let passed = 0
let failed = 0
let skipped = 0
let broken = false
for (const dir of dirs) {
  const pkgFile = join(root, dir, 'package.json')
  if (!existsSync(pkgFile)) continue
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'))
  if (!pkg.scripts?.test) continue
  const report = join(root, dir, '.vitest-result.json')
  if (!existsSync(report)) {
    console.log(`${pkg.name}: no test report`)
    broken = true
    continue
  }
  const r = JSON.parse(readFileSync(report, 'utf8'))
  const p = r.numPassedTests ?? 0
  const f = (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0)
  const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  console.log(`${pkg.name}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ''}`)
  if (p === 0 || f > 0) broken = true
  passed += p
  failed += f
  skipped += s
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(broken ? 1 : 0)
