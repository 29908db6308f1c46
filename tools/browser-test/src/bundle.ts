import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, defaultClientConditions } from 'vite'

/** A page built for the browser into a temporary directory, which `remove` deletes. */
export interface BrowserBundle {
  readonly dir: string
  readonly remove: () => Promise<void>
}

/**
 * Builds the page whose `index.html` is in `pageDir` with Vite, as an
 * application would ship it: workspace packages from their TypeScript
 * sources (the `@dscs/source` condition) with their browser entries, and
 * workers started as `new Worker(new URL('./w.js', import.meta.url))`
 * bundled into their own files. Unminified, so browser errors stay readable.
 */
export async function bundlePage(pageDir: string): Promise<BrowserBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'dscs-browser-test-'))
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true })
  try {
    await build({
      configFile: false,
      envFile: false,
      root: pageDir,
      base: './',
      mode: 'production',
      logLevel: 'error',
      resolve: { conditions: ['@dscs/source', ...defaultClientConditions] },
      worker: { format: 'es' },
      build: { outDir: dir, emptyOutDir: false, minify: false, target: 'es2023', reportCompressedSize: false }
    })
  } catch (err) {
    await remove()
    throw err
  }
  return { dir, remove }
}
