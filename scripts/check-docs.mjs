// Type-checks every TypeScript and JavaScript block of README.md, packages/*/README.md and
// examples/*/README.md, so that a snippet a user copies compiles as written.
//
//   node scripts/check-docs.mjs [README.md ...]   (every README by default; `pnpm typecheck` runs it)
//
// Each block becomes a file under scripts/docs-check/.snippets/, a workspace package whose node_modules holds
// what a user installs (the built @pgstore packages, drizzle-orm, pg, express, koa, next...), and is checked
// alone with `strict`:
// - a block for Node (no Next import) twice, as an ES module (.mts) and as CommonJS (.cts), with
//   `module: nodenext`; in CommonJS only top-level await (TS1309) is allowed, since such a block is a script
//   for an ES module;
// - a Next.js block (it imports next, @pgstore/next or `@/...`, or is tsx) the way create-next-app configures
//   tsc: `moduleResolution: bundler`, the DOM lib, and `@/*` mapped to scripts/docs-check/stubs/ (the app's
//   own modules, e.g. `@/lib/session`).
// Then the longest block of each package README is checked once more without `skipLibCheck`, under the
// tsconfig an app outside the monorepo would have, so the libraries' own .d.ts files are checked too.
//
// A comment just before a block changes how it is checked:
//   <!-- docs-check: context NAME -->  prepends scripts/docs-check/contexts/NAME.ts, which declares what a
//                                      fragment takes from its surroundings (`req`, `ctx`, a `pool`...);
//   <!-- docs-check: skip REASON -->   skips the block; the reason is required.
// The script exits 1 on any error, printing README path:line for each.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const host = join(root, 'scripts/docs-check')
const out = join(host, '.snippets')
const ts = createRequire(join(host, 'package.json'))('typescript')

const LANGS = { ts: 'ts', typescript: 'ts', tsx: 'tsx', js: 'js', javascript: 'js', mjs: 'js', jsx: 'jsx' }
const PACKAGE_READMES = ['core', 'express', 'koa', 'next', 'fastify'].map((p) => `packages/${p}/README.md`)

function readmes() {
  const within = (dir) =>
    readdirSync(join(root, dir))
      .map((name) => `${dir}/${name}/README.md`)
      .filter((file) => existsSync(join(root, file)))
  return ['README.md', ...within('packages'), ...within('examples')]
}

/** The fenced blocks of one markdown file, with the directive comment that precedes each, if any. */
function blocksOf(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const found = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```\s*([\w-]*)\s*$/.exec(lines[i])
    if (!open) continue
    const [, indent, lang] = open
    let end = i + 1
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++
    const code = lines
      .slice(i + 1, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
      .join('\n')
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const directive =
      before >= 0 ? /^\s*<!--\s*docs-check:\s*(.*?)\s*-->\s*$/.exec(lines[before])?.[1] : undefined
    found.push({ file, line: i + 2, lang: LANGS[lang.toLowerCase()], code, directive })
    i = end
  }
  return found.filter((b) => b.lang)
}

const isNext = (block) =>
  block.lang === 'tsx' ||
  block.lang === 'jsx' ||
  /from\s+['"](next(\/[\w/-]+)?|@pgstore\/next|@\/[\w/.-]+)['"]/.test(block.code)

function compilerOptions(profile, { libCheck = false } = {}) {
  const common = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    typeRoots: [join(host, 'node_modules/@types')],
    esModuleInterop: true,
    allowJs: true,
    checkJs: true,
    skipLibCheck: !libCheck,
  }
  if (profile === 'next')
    return {
      ...common,
      lib: ['lib.dom.d.ts', 'lib.dom.iterable.d.ts', 'lib.es2022.d.ts'],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      jsx: ts.JsxEmit.ReactJSX,
      isolatedModules: true,
      baseUrl: host,
      paths: { '@/*': ['stubs/*'] },
    }
  return {
    ...common,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  }
}

// One program per snippet, so that no snippet sees another's declarations; the libraries' parsed .d.ts
// files are shared between programs.
const parsed = new Map()
function check(fileName, options) {
  const compilerHost = ts.createCompilerHost(options)
  const getSourceFile = compilerHost.getSourceFile.bind(compilerHost)
  compilerHost.getSourceFile = (name, version, ...rest) => {
    if (name.startsWith(out)) return getSourceFile(name, version, ...rest)
    const key = `${name}\0${JSON.stringify(version)}`
    if (!parsed.has(key)) parsed.set(key, getSourceFile(name, version, ...rest))
    return parsed.get(key)
  }
  const program = ts.createProgram({ rootNames: [fileName], options, host: compilerHost })
  return ts.getPreEmitDiagnostics(program)
}

/** Where a diagnostic points, as README path:line for the snippet itself. */
function locate(diagnostic, block, fileName, offset) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')
  if (!diagnostic.file) return `${block.file}:${block.line}: TS${diagnostic.code} ${message}`
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
  if (diagnostic.file.fileName === fileName && line >= offset)
    return `${block.file}:${block.line + line - offset}: TS${diagnostic.code} ${message}`
  return `${block.file}:${block.line} (in ${relative(root, diagnostic.file.fileName)}:${line + 1}): TS${diagnostic.code} ${message}`
}

const extensions = {
  esm: { ts: '.mts', js: '.mjs' },
  cjs: { ts: '.cts', js: '.cjs' },
  next: { ts: '.ts', tsx: '.tsx', js: '.js', jsx: '.jsx' },
}

function checkBlock(block, mode, options) {
  let prelude = ''
  const context = /^context\s+([\w-]+)$/.exec(block.directive ?? '')?.[1]
  if (context) {
    const contextFile = join(host, 'contexts', `${context}.ts`)
    if (!existsSync(contextFile))
      return [`${block.file}:${block.line}: no context file ${relative(root, contextFile)}`]
    prelude = `${readFileSync(contextFile, 'utf8').trimEnd()}\n`
  }
  const slug = block.file.replace(/\//g, '-').replace(/\.md$/, '')
  const fileName = join(out, mode, slug, `L${block.line}${extensions[mode][block.lang]}`)
  mkdirSync(dirname(fileName), { recursive: true })
  writeFileSync(fileName, `${prelude}${block.code}\n`)
  const offset = prelude ? prelude.split('\n').length - 1 : 0
  return check(fileName, options)
    .filter((d) => !(mode === 'cjs' && d.code === 1309)) // top-level await: an ES module script
    .map((d) => `${locate(d, block, fileName, offset)} (${mode})`)
}

rmSync(out, { recursive: true, force: true })
const errors = []
const summary = []
const longestOfPackage = new Map()
const only = process.argv.slice(2)
for (const file of only.length ? only : readmes()) {
  let checked = 0
  let skipped = 0
  for (const block of blocksOf(file)) {
    if (block.directive !== undefined && !/^context\s+[\w-]+$/.test(block.directive)) {
      const reason = /^skip\b\W*(.*?)\W*$/.exec(block.directive)?.[1]
      if (reason) skipped++
      else
        errors.push(
          `${file}:${block.line}: "docs-check: ${block.directive}" is not "skip <reason>" or "context <name>"`,
        )
      continue
    }
    const modes = isNext(block) ? ['next'] : ['esm', 'cjs']
    for (const mode of modes)
      errors.push(...checkBlock(block, mode, compilerOptions(mode === 'next' ? 'next' : 'node')))
    const longest = longestOfPackage.get(file)
    if (
      PACKAGE_READMES.includes(file) &&
      !block.directive &&
      block.code.length > (longest?.block.code.length ?? 0)
    )
      longestOfPackage.set(file, { block, mode: modes[0] })
    checked++
  }
  summary.push(`${file}: ${checked} checked${skipped ? `, ${skipped} skipped` : ''}`)
}

// As outside the monorepo: the libraries' .d.ts files checked as well (no skipLibCheck). drizzle-orm 0.45's
// own declarations fail then (every dialect's column builders are imported, with mysql2 and gel types that a
// PostgreSQL app does not install), which is why the READMEs say to set `skipLibCheck: true`; any other
// error, in our .d.ts or a framework's, fails the check.
const DRIZZLE_OWN = /[/\\]node_modules[/\\]drizzle-orm[/\\]/
for (const file of PACKAGE_READMES.filter((f) => only.length === 0 || only.includes(f))) {
  const first = longestOfPackage.get(file)
  if (!first) {
    errors.push(`${file}: no TypeScript block to check without skipLibCheck`)
    continue
  }
  const options = compilerOptions(first.mode === 'next' ? 'next' : 'node', { libCheck: true })
  const found = checkBlock(first.block, first.mode, options)
  const drizzle = found.filter((e) => DRIZZLE_OWN.test(e))
  errors.push(...found.filter((e) => !DRIZZLE_OWN.test(e)).map((e) => `${e} without skipLibCheck`))
  summary.push(
    `${file}:${first.block.line}: also without skipLibCheck (${drizzle.length} errors, all in drizzle-orm's own .d.ts)`,
  )
}

console.log(summary.join('\n'))
if (errors.length > 0) {
  console.error(
    `\n${errors.length} error(s) in README code blocks (snippets kept in ${relative(root, out)}):`,
  )
  console.error(errors.join('\n'))
  process.exit(1)
}
rmSync(out, { recursive: true, force: true })
console.log('every README code block type-checks')
