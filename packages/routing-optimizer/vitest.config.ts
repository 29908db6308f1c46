import { defineConfig } from 'vitest/config'

// Workspace dependencies resolve to their TypeScript sources (the `@dscs/source` condition), so tests never run
// against a stale build; Vite's default conditions follow, since setting `conditions` replaces them (and Node's
// `node` condition is what gives `@dscs/net` its entry with createNode).
export default defineConfig({
  resolve: { conditions: ['@dscs/source', 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: ['@dscs/source', 'module', 'node', 'development|production'] } },
  test: { name: '@dscs/routing-optimizer' }
})
