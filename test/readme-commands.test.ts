// The README's set-up commands as a new user runs them, on a clean clone of this repository: the demo command in full,
// and the test command's install. (Its test run is this suite: CI runs it from a clean clone through .ci/run.)
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// Bounds against hangs, not timings: an install, a build and five node processes on a loaded 2-core machine.
const COMMAND_BOUND_MS = 12 * 60_000

/** Runs `command` in a shell in `cwd`: exit code and output. */
function sh(command: string, cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_BOUND_MS)
    child.on('error', reject)
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, output })))
  })
}

// Slow (an install and a build of its own), so it runs where the suite runs whole: in CI, or when asked.
describe.skipIf(process.env.CI === undefined && process.env.DSCS_README_COMMANDS === undefined)('the README set-up commands on a clean clone', () => {
  it(
    'the demo command installs, builds and runs the tour to its end; the test command installs',
    async () => {
      const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
      const commands = [...readme.matchAll(/```sh\n(.+)\n```/g)].map((m) => m[1]!)
      const demo = commands.find((c) => c.endsWith('-- demo'))!
      const install = commands.find((c) => c.endsWith('-- test'))!.replace(/ && .*$/, '')
      const clone = await mkdtemp(join(tmpdir(), 'dscs-readme-'))
      try {
        expect((await sh(`git clone -q ${JSON.stringify(ROOT)} ${JSON.stringify(clone)}`, ROOT)).code).toBe(0)
        // The builds the suite already made are shared (same inputs, same outputs): the clone rebuilds only what differs.
        const cache = { TURBO_CACHE_DIR: join(ROOT, '.turbo', 'cache') }
        const tour = await sh(demo, clone, cache)
        expect(tour.output).toContain('demo complete: 5 nodes')
        expect(tour.code).toBe(0)
        const installed = await sh(install, clone, cache)
        expect(installed.code, installed.output).toBe(0)
      } finally {
        await rm(clone, { recursive: true, force: true })
      }
    },
    2 * COMMAND_BOUND_MS + 60_000
  )
})
