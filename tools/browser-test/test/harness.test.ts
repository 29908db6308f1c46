import { readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BrowserTestError, launchChromium, openPage, serveStatic, skipBrowserTests } from '../src/index.js'

// Bounds against hangs, not timings: bundling and starting a browser on a loaded 2-core machine.
const BOUND_MS = 120_000

/** Status and body of a raw GET of `path`, sent as written (no client-side normalisation of `..`). */
function get(url: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Every process under this one (Linux /proc): what the harness started and has not ended. */
function descendants(): Set<number> {
  const parents = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // ended while listed
    }
    // The name in parentheses may hold spaces; the parent's id is the second field after it.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)])
  }
  const found = new Set<number>()
  const todo = [process.pid]
  while (todo.length > 0) {
    for (const child of parents.get(todo.pop()!) ?? []) {
      if (found.has(child)) continue
      found.add(child)
      todo.push(child)
    }
  }
  return found
}

describe('static server', () => {
  it('serves the files under its root on 127.0.0.1 with their types, and nothing outside it', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'dscs-browser-test-'))
    const root = join(outside, 'root')
    await mkdir(root)
    await writeFile(join(root, 'index.html'), '<p>hi</p>')
    await writeFile(join(root, 'app.js'), 'export {}')
    await writeFile(join(outside, 'secret.txt'), 'secret')
    const server = await serveStatic(root)
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      expect(await get(server.url, '/')).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '<p>hi</p>' })
      expect(await get(server.url, '/app.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' })
      expect((await get(server.url, '/missing.js')).status).toBe(404)
      for (const path of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/..%5csecret.txt']) {
        expect((await get(server.url, path)).status, path).toBe(404)
      }
    } finally {
      await server.close()
      await rm(outside, { recursive: true, force: true })
    }
  })
})

describe('finding Chromium', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  it('skips with one loud line without a browser, but not in CI, where launching fails', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    vi.stubEnv('CHROMIUM_PATH', '/nonexistent/chromium')
    vi.stubEnv('CI', '')
    expect(skipBrowserTests()).toBe(true)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]![0]).toMatch(/^SKIPPED browser tests: no Chromium at \/nonexistent\/chromium .*apt-get install -y chromium/)
    vi.stubEnv('CI', 'true')
    expect(skipBrowserTests()).toBe(false)
    await expect(launchChromium()).rejects.toThrow(BrowserTestError)
  })
})

describe.skipIf(skipBrowserTests())('Chromium', () => {
  it(
    'opens a bundled page whose module worker answers, and its clean-up ends every process it started',
    async () => {
      const before = descendants()
      const session = await openPage(fileURLToPath(new URL('./page/', import.meta.url)))
      try {
        expect([...descendants()].filter((pid) => !before.has(pid)).length).toBeGreaterThan(0)
        expect(await session.page.evaluate(() => window.echo('hello'))).toBe('echo: hello')
        expect(session.pageErrors).toEqual([])
      } finally {
        await session.close()
      }
      expect([...descendants()].filter((pid) => !before.has(pid))).toEqual([])
      expect((await fetch(session.url).catch((err: unknown) => err)) instanceof Error).toBe(true)
    },
    BOUND_MS
  )
})
