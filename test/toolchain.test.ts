import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'

const root = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
  devDependencies: Record<string, string>
  packageManager: string
  engines: { node: string }
}

describe('toolchain', () => {
  it('runs on the Node major pinned in the root devDependencies', () => {
    const pinned = root.devDependencies.node
    expect(pinned, 'node must be pinned to an exact version').toMatch(/^\d+\.\d+\.\d+$/)
    expect(process.versions.node.split('.')[0]).toBe(pinned!.split('.')[0])
  })

  it('pins pnpm to the same version as packageManager', () => {
    expect(root.packageManager).toBe(`pnpm@${root.devDependencies.pnpm}`)
  })
})
