import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@dscs/source'] },
  test: { name: '@dscs/create-protocol' }
})
