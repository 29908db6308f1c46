#!/usr/bin/env node
// Runs turbo with telemetry off and only absolute PATH entries: `npm exec`
// puts `./node_modules/.bin` first on PATH, and turbo would then find pnpm
// through a path that only resolves from the repository root.
import { spawnSync } from 'node:child_process'
import { isAbsolute, join } from 'node:path'

const root = join(import.meta.dirname, '..')
const path = [join(root, 'node_modules', '.bin'), ...(process.env.PATH ?? '').split(':').filter(isAbsolute)]
const result = spawnSync(join(root, 'node_modules', '.bin', 'turbo'), process.argv.slice(2), {
  stdio: 'inherit',
  env: { ...process.env, PATH: path.join(':'), TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' }
})
process.exit(result.status ?? 1)
