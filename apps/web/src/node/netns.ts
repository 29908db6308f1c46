import { spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromiumPath } from '@dscs/browser-test'
import { WebError } from '../errors.js'

const CLI = fileURLToPath(new URL('./cli.js', import.meta.url).href.replace('/src/node/', '/dist/node/'))
/** Bound against hangs while the page is built, not a timing. */
const START_BOUND_MS = 120_000

/** A playground (relay node and page server) in a network namespace of its own, where the only interface is loopback. */
export interface IsolatedPlayground {
  /** The page's URL (WebRTC over 127.0.0.1 only), valid inside the namespace. */
  readonly url: string
  /** A Chromium executable that runs inside the namespace: give it to `launchChromium`. */
  readonly chromium: string
  stop(): Promise<void>
}

/**
 * Starts `dscs-playground --loopback --json` (the app's build) in a new
 * network namespace with only `lo` up (needs root: `unshare -n`), and writes
 * a Chromium wrapper that joins that namespace. In it Chromium has no
 * interface but loopback, so every WebRTC candidate — and every packet of
 * the test — is on 127.0.0.1.
 */
export async function startIsolatedPlayground(args: readonly string[] = []): Promise<IsolatedPlayground> {
  const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, CLI, '--loopback', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const dir = await mkdtemp(join(tmpdir(), 'dscs-web-netns-'))
  const stop = async (): Promise<void> => {
    await ended(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const { url } = await firstJsonLine(child)
    const chromium = join(dir, 'chromium')
    await writeFile(chromium, `#!/bin/sh\nexec nsenter --net=/proc/${child.pid}/ns/net ${chromiumPath()} "$@"\n`)
    await chmod(chromium, 0o755)
    return { url, chromium, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

async function firstJsonLine(child: ChildProcess): Promise<{ url: string }> {
  const lines = createInterface({ input: child.stdout! })
  const timer = setTimeout(() => child.kill('SIGTERM'), START_BOUND_MS)
  try {
    for await (const line of lines) if (line.startsWith('{')) return JSON.parse(line) as { url: string }
  } finally {
    clearTimeout(timer)
  }
  throw new WebError('INVALID_OPTION', `the playground in a network namespace ended before it printed its URL (exit ${child.exitCode}; needs root for unshare -n and a build: pnpm --filter @dscs/web build)`)
}

/** Stops the child (SIGTERM, the playground's clean exit) and waits for it. */
async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  await exit
}
