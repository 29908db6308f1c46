import { defineConfig } from 'vitest/config'

// One run over every workspace project, plus the repository-level checks in test/.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'tools/*',
      'apps/*',
      {
        test: { name: 'repo', include: ['test/**/*.test.ts'] }
      }
    ]
  }
})
