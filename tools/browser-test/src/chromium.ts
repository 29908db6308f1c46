import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Where Debian's `chromium` package puts the browser; `CHROMIUM_PATH` overrides it. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium'

/** The command that installs the browser these tests drive (Debian; `.ci/run` runs it in CI). */
export const CHROMIUM_INSTALL_COMMAND = 'sudo apt-get install -y chromium'

/**
 * Flags every launch gets: headless as root on a machine with no GPU and no
 * network but loopback, so nothing in the background dials out or updates.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/**
 * Extra flags a WebRTC test adds: peer connections over loopback, with real
 * local addresses instead of mDNS names. Chromium offers loopback (and every
 * other interface) as ICE candidates only to a page allowed a microphone or
 * camera: the fake device and fake consent let the page get one
 * (`getUserMedia`) without a prompt; the page then filters its candidates
 * to 127.0.0.1.
 */
export const WEBRTC_LOOPBACK_FLAGS: readonly string[] = [
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream'
]

/** The Chromium these tests use: `$CHROMIUM_PATH` or /usr/bin/chromium. */
export function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH
  return configured !== undefined && configured !== '' ? configured : DEFAULT_CHROMIUM_PATH
}

/** Whether this run is CI's, where a missing browser fails the browser tests instead of skipping them. */
export function isCi(): boolean {
  const ci = process.env.CI
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0'
}

/**
 * Whether to skip the browser tests: only when there is no Chromium and
 * this is not CI, with one loud line that says how to install it. In CI
 * they run and fail at launch.
 */
export function skipBrowserTests(): boolean {
  if (existsSync(chromiumPath()) || isCi()) return false
  console.warn(`SKIPPED browser tests: no Chromium at ${chromiumPath()} — install it with \`${CHROMIUM_INSTALL_COMMAND}\` or set CHROMIUM_PATH`)
  return true
}

/**
 * Starts the system Chromium (never a downloaded one) headless, with
 * {@link CHROMIUM_FLAGS} and `extraFlags`, in a fresh temporary profile that
 * `browser.close()` removes along with the browser's processes.
 * `executablePath` may be a wrapper script that execs Chromium (say, inside a
 * network namespace): Playwright drives it over inherited pipes.
 */
export async function launchChromium(extraFlags: readonly string[] = [], executablePath: string = chromiumPath()): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new BrowserTestError(`no Chromium at ${executablePath}: install it with \`${CHROMIUM_INSTALL_COMMAND}\` (.ci/run does in CI) or set CHROMIUM_PATH`)
  }
  // Playwright adds its own automation flags; ours make it quiet and offline.
  return await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS, ...extraFlags] })
}

/** A browser test's set-up failed (no browser, a bad bundle, a page that did not load). */
export class BrowserTestError extends Error {
  override readonly name = 'BrowserTestError'
}
