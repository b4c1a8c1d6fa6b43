/** The README's start command, end to end: PGlite by default, a page served, a clean exit on SIGTERM. */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, expect, it } from 'vitest'

let child: ChildProcess | undefined
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
})

it('starts on PGlite without DATABASE_URL, serves the home page and exits cleanly', async () => {
  const cwd = fileURLToPath(new URL('..', import.meta.url))
  child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd,
    env: { ...process.env, PORT: '0', DATABASE_URL: '', PGLITE_DIR: 'memory', SESSION_SECRETS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk
      const m = /on (http:\/\/localhost:\d+) \(sessions in PGlite/.exec(output)
      if (m) resolve(m[1]!)
    }
    child!.stdout!.on('data', onData)
    child!.stderr!.on('data', onData)
    void exited.then((code) =>
      reject(new Error(`the example exited with ${code} before listening:\n${output}`)),
    )
  })

  const res = await fetch(`${url}/`)
  expect(res.status).toBe(200)
  expect(await res.text()).toContain('<strong id="views">1</strong>')
  expect(res.headers.get('set-cookie')).toMatch(/koa\.sess=[A-Za-z0-9_-]{43};.*httponly/i)

  child.kill('SIGTERM')
  expect(await exited).toBe(0)
})
