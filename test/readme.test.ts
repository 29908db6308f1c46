import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'

const read = (path: string): Promise<string> => readFile(new URL(`../${path}`, import.meta.url), 'utf8')

describe('README set-up commands', () => {
  it('CI runs exactly the test command the README gives', async () => {
    const readme = await read('README.md')
    const ci = await read('.ci/run')
    const commands = [...readme.matchAll(/```sh\n(.+)\n```/g)].map((m) => m[1]!)
    const testCommand = commands.find((c) => c.endsWith('-- test'))
    expect(testCommand, 'README has a test command').toBeDefined()
    expect(ci.split('\n')).toContain(testCommand)
    expect(commands.some((c) => c.endsWith('-- demo'))).toBe(true)
  })

  it('bootstraps the pnpm version the repository pins', async () => {
    const pinned = (JSON.parse(await read('package.json')) as { packageManager: string }).packageManager
    const readme = await read('README.md')
    for (const [, version] of readme.matchAll(/pnpm@(\d+\.\d+\.\d+)/g)) expect(`pnpm@${version}`).toBe(pinned)
  })
})
