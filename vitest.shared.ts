import { defineProject, type UserWorkspaceConfig } from 'vitest/config'

// Vite's default conditions, which setting `conditions` would otherwise replace.
const CLIENT_CONDITIONS = ['module', 'browser', 'development|production']
const SERVER_CONDITIONS = ['module', 'node', 'development|production']

/**
 * The Vitest project config every workspace package uses: workspace
 * dependencies resolve to their TypeScript sources (the `@dscs/source` export
 * condition), so tests never run against a stale build.
 */
export function dscsProject(name: string, test: UserWorkspaceConfig['test'] = {}): UserWorkspaceConfig {
  return defineProject({
    resolve: { conditions: ['@dscs/source', ...CLIENT_CONDITIONS] },
    ssr: { resolve: { conditions: ['@dscs/source', ...SERVER_CONDITIONS] } },
    // A bound against hangs, not a timing: property tests run long on a loaded shared machine.
    test: { name, testTimeout: 60_000, hookTimeout: 60_000, ...test }
  })
}
