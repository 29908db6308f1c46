/**
 * @packageDocumentation
 *
 * The browser-test harness: Debian's Chromium (never a downloaded browser)
 * driven by playwright-core, pages bundled by Vite from the packages'
 * sources, served on 127.0.0.1. Vitest runs the tests in Node; the code
 * under test runs in the page.
 */
export {
  BrowserTestError,
  CHROMIUM_FLAGS,
  CHROMIUM_INSTALL_COMMAND,
  DEFAULT_CHROMIUM_PATH,
  WEBRTC_LOOPBACK_FLAGS,
  chromiumPath,
  isCi,
  launchChromium,
  skipBrowserTests
} from './chromium.js'
export { bundlePage } from './bundle.js'
export type { BrowserBundle } from './bundle.js'
export { serveStatic } from './server.js'
export type { StaticServer } from './server.js'
export { openPage } from './session.js'
export type { PageSession } from './session.js'
