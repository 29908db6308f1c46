import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCommand } from '../src/command.js'

describe('create-dscs-protocol', () => {
  let root: string
  let out: string[]
  let err: string[]
  const run = (...args: string[]): Promise<number> =>
    runCommand(args, { out: (line) => out.push(line), err: (line) => err.push(line), cwd: root, root })

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'create-protocol-cli-'))
    out = []
    err = []
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('creates packages/<name> by default and prints the files and the next steps', async () => {
    expect(await run('my-proto', '--description', 'Mine')).toBe(0)
    expect(existsSync(join(root, 'packages', 'my-proto', 'src', 'core', 'core.ts'))).toBe(true)
    expect(out[0]).toBe('Created @dscs/my-proto in packages/my-proto:')
    expect(out).toContain('  proto/my-proto.proto')
    expect(out.join('\n')).toMatch(/pnpm install[\s\S]*run test --filter=@dscs\/my-proto[\s\S]*pnpm changeset/)
    expect(err).toEqual([])
  })

  it('writes where --dir says, relative to the working directory', async () => {
    expect(await run('my-proto', '--dir', 'elsewhere/mine')).toBe(0)
    expect(existsSync(join(root, 'elsewhere', 'mine', 'package.json'))).toBe(true)
    expect(out.join('\n')).toContain('outside packages/')
  })

  it('fails with a clear message and a non-zero code on a bad name or an existing directory', async () => {
    expect(await run('My_Proto')).toBe(1)
    expect(err[0]).toContain('not a valid protocol name')
    err = []
    expect(await run('my-proto')).toBe(0)
    expect(await run('my-proto')).toBe(1)
    expect(err[0]).toMatch(/already exists/)
  })

  it('reports a file-system failure as a message, not a stack trace', async () => {
    await writeFile(join(root, 'packages'), 'a file where the packages directory should be')
    expect(await run('my-proto')).toBe(1)
    expect(err[0]).toMatch(/^create-dscs-protocol: .*(EEXIST|ENOTDIR)/)
  })

  it('explains its usage when the command line is wrong, and on --help', async () => {
    expect(await run()).toBe(1)
    expect(err[0]).toContain('missing the protocol <name>')
    expect(err.join('\n')).toContain('Usage: pnpm create-protocol <name>')
    expect(await run('one', 'two')).toBe(1)
    expect(await run('one', '--colour')).toBe(1)
    expect(await run('--help')).toBe(0)
    expect(out.join('\n')).toContain('Usage: pnpm create-protocol <name>')
  })
})
