import type { Browser, Page } from 'playwright-core'
import { bundlePage } from './bundle.js'
import { launchChromium } from './chromium.js'
import { serveStatic } from './server.js'

/** A built page open in Chromium; `close` ends the browser, the server and the bundle this session started, nothing else. */
export interface PageSession {
  readonly browser: Browser
  readonly page: Page
  /** Where the bundle is served, ending in a slash. */
  readonly url: string
  /** Uncaught errors of the page, as they happen: a test expects none. */
  readonly pageErrors: readonly Error[]
  readonly close: () => Promise<void>
}

/**
 * Bundles the page in `pageDir` ({@link bundlePage}), serves it on
 * loopback, launches Chromium with `extraFlags` and opens the page there.
 */
export async function openPage(pageDir: string, extraFlags: readonly string[] = []): Promise<PageSession> {
  const cleanups: (() => Promise<void>)[] = []
  const close = async (): Promise<void> => {
    // Last started, first ended; one failing does not leave the rest running.
    const failures = []
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup()
      } catch (err) {
        failures.push(err)
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'browser test clean-up failed')
  }
  try {
    const bundle = await bundlePage(pageDir)
    cleanups.push(bundle.remove)
    const server = await serveStatic(bundle.dir)
    cleanups.push(server.close)
    const browser = await launchChromium(extraFlags)
    cleanups.push(() => browser.close())
    const page = await browser.newPage()
    const pageErrors: Error[] = []
    page.on('pageerror', (error) => pageErrors.push(error))
    await page.goto(server.url)
    return { browser, page, url: server.url, pageErrors, close }
  } catch (err) {
    await close().catch(() => undefined)
    throw err
  }
}
