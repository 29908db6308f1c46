import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ScaffoldError } from '../src/errors.js'
import { REPO_ROOT, TOOL_DIR, scaffoldProtocol } from '../src/scaffold.js'

// What the generated package imports, linked as this tool's own node_modules resolves it...
const FROM_TOOL = ['@dscs/interface', '@dscs/wire', '@dscs/identity', '@dscs/net', '@dscs/netsim', '@dscs/protogen', '@dscs/test-support', 'protobufjs', 'long']
// The workspace packages it needs built: its build, bench and Node's own imports use their dist/.
const BUILT = ['@dscs/interface', '@dscs/wire', '@dscs/identity', '@dscs/net', '@dscs/netsim', '@dscs/test-support']
// ...and the tools every package gets from the repository root.
const FROM_ROOT = ['vitest', 'typescript', '@types/node', 'fast-check']

/**
 * Gives a package outside the workspace what `pnpm install` would: its
 * dependencies in node_modules/ and their commands in node_modules/.bin/,
 * each run by the Node that runs this test.
 */
async function linkDependencies(dir: string): Promise<void> {
  const bin = join(dir, 'node_modules', '.bin')
  await mkdir(bin, { recursive: true })
  await symlink(process.execPath, join(bin, 'node'))
  for (const [name, from] of [...FROM_TOOL.map((n) => [n, TOOL_DIR] as const), ...FROM_ROOT.map((n) => [n, REPO_ROOT] as const)]) {
    const target = await realpath(join(from, 'node_modules', name))
    const link = join(dir, 'node_modules', name)
    await mkdir(dirname(link), { recursive: true })
    await symlink(target, link, 'dir')
    const manifest = JSON.parse(await readFile(join(target, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> }
    const commands = typeof manifest.bin === 'string' ? { [name.split('/').at(-1)!]: manifest.bin } : (manifest.bin ?? {})
    for (const [command, file] of Object.entries(commands)) {
      await writeFile(join(bin, command), `#!/bin/sh\nexec "${process.execPath}" "${join(target, file)}" "$@"\n`, { mode: 0o755 })
    }
  }
}

/** Runs one of the package's own scripts as pnpm would: through sh, with node_modules/.bin first on PATH. */
async function runScript(dir: string, script: string): Promise<{ code: number | null; output: string }> {
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  // The outer vitest's variables would make the inner one think it runs inside a worker.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')))
  const child = spawn('sh', ['-c', manifest.scripts[script]!], {
    cwd: dir,
    env: { ...env, PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, BENCH_ITERATIONS: '20' }
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve))
  return { code, output }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
}

async function refusal(promise: Promise<unknown>): Promise<ScaffoldError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  if (!(err instanceof ScaffoldError)) throw new Error(`expected a ScaffoldError, got ${String(err)}`)
  return err
}

let workDir: string
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'create-protocol-'))
})
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
})

describe('scaffoldProtocol', () => {
  it('writes a package whose codegen, build, typecheck, tests and benchmark all succeed', async () => {
    for (const dependency of BUILT) {
      const built = existsSync(join(TOOL_DIR, 'node_modules', dependency, 'dist', 'index.js'))
      expect(built, `${dependency} has no dist/: build it first (turbo's test task does)`).toBe(true)
    }
    const dir = join(workDir, 'echo-check')
    const files = await scaffoldProtocol({ name: 'echo-check', directory: dir })
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'proto/echo-check.proto',
        'src/index.ts',
        'src/core/core.ts',
        'src/service.ts',
        'test/core.test.ts',
        'test/service.test.ts',
        'test/sim.test.ts',
        'bench/echo-check.bench.ts'
      ])
    )
    expect((await listFiles(dir)).sort()).toEqual([...files].sort())
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
    expect(manifest).toMatchObject({
      name: '@dscs/echo-check',
      description: 'The DSCS echo-check protocol',
      dependencies: { '@dscs/identity': 'workspace:^', '@dscs/interface': 'workspace:^', '@dscs/net': 'workspace:^', '@dscs/wire': 'workspace:^' },
      devDependencies: { '@dscs/netsim': 'workspace:*', '@dscs/protogen': 'workspace:*', '@dscs/test-support': 'workspace:*' }
    })
    const constants = await readFile(join(dir, 'src', 'core', 'constants.ts'), 'utf8')
    expect(constants).toContain(`'/dscs/echo-check/1.0.0'`)
    expect(constants).toContain(`'dscs.echo-check.'`)
    const index = await readFile(join(dir, 'src', 'index.ts'), 'utf8')
    expect(index).toContain('export function echoCheck(init: EchoCheckInit = {})')
    expect(index).toContain('return protocolService((context) => new EchoCheckService(context, init))')
    expect(index).toContain('createNode({ services: { echoCheck: echoCheck() } })')

    await linkDependencies(dir)
    for (const script of ['codegen', 'build', 'typecheck', 'test', 'bench']) {
      const { code, output } = await runScript(dir, script)
      expect(code, `${script} failed:\n${output}`).toBe(0)
    }
    for (const file of ['src/gen/echo-check.js', 'src/gen/echo-check.d.ts', 'dist/index.js', 'dist/index.d.ts', 'dist/gen/echo-check.js', 'bench/results/echo-check.json']) {
      expect(existsSync(join(dir, file)), file).toBe(true)
    }
  }, 300_000)

  it('fills every placeholder, escaping the description where it lands in JSON', async () => {
    const dir = join(workDir, 'quoted')
    const description = 'Says "hello" \\ politely'
    const files = await scaffoldProtocol({ name: 'hello', directory: dir, description })
    for (const file of files) expect(await readFile(join(dir, file), 'utf8'), file).not.toMatch(/\{\{\w+\}\}/)
    expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))).toMatchObject({ name: '@dscs/hello', description })
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain(description)
  })

  it.each(['', 'Ping', 'ping_pong', 'ping--pong', '-ping', 'ping-', '1ping', 'pïng', 'a'.repeat(65)])(
    'refuses the name %j without writing anything',
    async (name) => {
      const dir = join(workDir, 'invalid')
      expect((await refusal(scaffoldProtocol({ name, directory: dir }))).code).toBe('INVALID_NAME')
      expect(existsSync(dir)).toBe(false)
    }
  )

  it.each([
    ['delete', 'is a reserved word'],
    ['map', 'would shadow a global'],
    ['return-type', 'would shadow a global'],
    ['net', 'the template already uses'],
    ['simulation', 'the template already uses'],
    ['pubsub', 'a service createNode already registers'],
    ['ping', 'a service createNode already registers']
  ])('refuses %j, whose identifiers would clash', async (name, reason) => {
    const err = await refusal(scaffoldProtocol({ name, directory: join(workDir, 'clash') }))
    expect(err.code).toBe('INVALID_NAME')
    expect(err.message).toContain(reason)
  })

  it('refuses to overwrite an existing directory, or to reuse a workspace package name', async () => {
    const dir = join(workDir, 'taken')
    await mkdir(dir)
    await writeFile(join(dir, 'keep.txt'), 'mine')
    const err = await refusal(scaffoldProtocol({ name: 'taken', directory: dir }))
    expect(err.code).toBe('EXISTS')
    expect(err.message).toContain(dir)
    expect(await readdir(dir)).toEqual(['keep.txt'])
    expect(await readFile(join(dir, 'keep.txt'), 'utf8')).toBe('mine')

    const wire = await refusal(scaffoldProtocol({ name: 'wire', directory: join(workDir, 'wire'), workspaceRoot: REPO_ROOT }))
    expect(wire.message).toContain('already has a package named @dscs/wire')
    expect(existsSync(join(workDir, 'wire'))).toBe(false)
  })

  it.each(['two\nlines', 'ends the comment */ early', ' ', 'x'.repeat(201)])('refuses the description %j', async (description) => {
    const err = await refusal(scaffoldProtocol({ name: 'described', directory: join(workDir, 'described'), description }))
    expect(err.code).toBe('INVALID_DESCRIPTION')
  })
})
