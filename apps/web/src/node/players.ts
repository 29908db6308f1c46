import { WEBRTC_LOOPBACK_FLAGS, launchChromium } from '@dscs/browser-test'
import type { Browser, Page } from 'playwright-core'
import type { ConnectionInfo } from '../page/api.js'
import { WebError } from '../errors.js'

/** Chromium with playground pages open in it, one browser context (one player) each. */
export interface Players {
  readonly browser: Browser
  readonly pages: Page[]
  /** Uncaught errors of any page. */
  readonly pageErrors: Error[]
  /** Opens `url` as one more player; resolves once the page holds a relay reservation. */
  open(url: string): Promise<Page>
  close(): Promise<void>
}

/** Bound against hangs (a loaded 2-core machine), not a timing. */
const READY_BOUND_MS = 30_000

/**
 * Launches Chromium (`chromium`: an executable such as the one a
 * playground in a network namespace gives; loopback WebRTC flags) and opens
 * each of `urls` in a browser context of its own (one player each);
 * resolves once every page holds a relay reservation.
 */
export async function openPlayers(urls: readonly string[], chromium?: string): Promise<Players> {
  const browser = await launchChromium(WEBRTC_LOOPBACK_FLAGS, chromium)
  const pageErrors: Error[] = []
  const pages: Page[] = []
  const start = async (url: string): Promise<Page> => {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 760 } })).newPage()
    page.on('pageerror', (error) => pageErrors.push(error))
    await page.goto(url)
    await page.waitForFunction(() => window.playground?.webrtcAddress() !== undefined, undefined, { timeout: READY_BOUND_MS })
    return page
  }
  // In the order of `urls`, whichever page is ready first.
  const open = async (url: string): Promise<Page> => {
    const page = await start(url)
    pages.push(page)
    return page
  }
  try {
    pages.push(...(await Promise.all(urls.map(start))))
    return { browser, pages, pageErrors, open, close: () => browser.close() }
  } catch (err) {
    await browser.close()
    throw err
  }
}

/** `url` with its `room` parameter set: players of different rooms share no state. */
export function inRoom(url: string, room: string): string {
  const withRoom = new URL(url)
  withRoom.searchParams.set('room', room)
  return withRoom.toString()
}

/** Dials `to` from `from` at its WebRTC address, and waits until both pages hold a direct WebRTC connection to each other. */
export async function connectDirect(from: Page, to: Page): Promise<{ dialer: ConnectionInfo; answerer: ConnectionInfo }> {
  const address = await to.evaluate(() => window.playground.webrtcAddress()!)
  await from.evaluate((a) => window.playground.connect(a), address)
  return await awaitDirect(from, to)
}

/** Waits until both pages hold a direct WebRTC connection to each other (`from` dialled). */
export async function awaitDirect(from: Page, to: Page): Promise<{ dialer: ConnectionInfo; answerer: ConnectionInfo }> {
  const fromId = await from.evaluate(() => window.playground.peerId)
  const toId = await to.evaluate(() => window.playground.peerId)
  const direct = (page: Page, peer: string): Promise<ConnectionInfo> =>
    page
      .waitForFunction((p) => window.playground.connections().find((c) => c.peer === p && c.direct), peer, { timeout: READY_BOUND_MS })
      .then((handle) => handle.jsonValue() as Promise<ConnectionInfo>)
  return { dialer: await direct(from, toId), answerer: await direct(to, fromId) }
}

/** Waits until each page sees every other one in the room's gossip topic (a publisher only sends to topic peers it knows). */
export async function awaitTopicMesh(pages: readonly Page[]): Promise<void> {
  const ids = await Promise.all(pages.map((page) => page.evaluate(() => window.playground.peerId)))
  try {
    await Promise.all(
      pages.map((page, i) =>
        page.waitForFunction((others) => others.every((id) => window.playground.topicPeers().includes(id)), ids.filter((_, j) => j !== i), { timeout: READY_BOUND_MS })
      )
    )
  } catch (err) {
    // Say what each page saw: its topic peers and connections.
    const seen = await Promise.all(pages.map((page) => page.evaluate(() => ({ peer: window.playground.peerId, topicPeers: window.playground.topicPeers(), connections: window.playground.connections() }))))
    throw new WebError('NO_ANSWER', `the pages did not all see each other in the room's topic: ${JSON.stringify(seen)}`, { cause: err })
  }
}
