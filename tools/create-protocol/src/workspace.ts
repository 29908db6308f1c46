import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

// A `- dir/*` entry of pnpm-workspace.yaml's package list, optionally quoted.
const WORKSPACE_GLOB = /^\s*-\s*['"]?([^'"\s]+)\/\*['"]?\s*$/gm

/**
 * The directory of the package named `packageName` among the workspace's
 * `dir/*` packages, or undefined when there is none (or no workspace at `root`).
 */
export async function findWorkspacePackage(root: string, packageName: string): Promise<string | undefined> {
  const manifest = await readFile(join(root, 'pnpm-workspace.yaml'), 'utf8').catch(() => '')
  for (const [, parent] of manifest.matchAll(WORKSPACE_GLOB)) {
    const entries = await readdir(join(root, parent!), { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      if (!entry.isDirectory()) continue
      const dir = join(root, parent!, entry.name)
      const pkg = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined)
      if (pkg !== undefined && (JSON.parse(pkg) as { name?: unknown }).name === packageName) return dir
    }
  }
  return undefined
}
