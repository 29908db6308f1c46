// A playground page in Debian's Chromium given two relay nodes, one of them behind a proxy that holds every chunk for
// 150 ms each way: the routing optimizer in the page measures both with signed pings, the page reserves its
// circuit-relay slot at the fast one, and moves to the slow one when the fast one stops.
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipBrowserTests } from '@dscs/browser-test'
import type { Page } from 'playwright-core'
import { startPlayground, type Playground } from '../src/node/playground.js'
import { openPlayers, type Players } from '../src/node/players.js'
import { startDelayProxy, type DelayProxy } from './delay-proxy.js'

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url))
const DELAY_MS = 150
// Bounds against hangs, not timings: Vite builds the page and Chromium starts on a loaded 2-core machine.
const SETUP_BOUND_MS = 120_000
const WAIT_BOUND_MS = 60_000

describe.skipIf(skipBrowserTests())('a browser peer choosing its relay', () => {
  let playground: Playground | undefined
  let proxy: DelayProxy | undefined
  let players: Players | undefined
  const ids = { fast: '', slow: '' }
  const page = (): Page => players!.pages[0]!
  // Once the page's list shows the slot held at `relay` (it redraws as addresses change, and every second).
  const shot = async (name: string, relay: string): Promise<void> => {
    await page().waitForFunction((r) => document.getElementById('relays')!.textContent.includes(`slot held at relay ${r.slice(-8)}`), relay, { timeout: WAIT_BOUND_MS })
    await page().screenshot({ path: `${ARTIFACTS}${name}.png` })
  }

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    playground = await startPlayground({ relays: 2 })
    const [fast, slow] = playground.relays as [Playground['relays'][0], Playground['relays'][0]]
    ids.fast = fast.node.peerId
    ids.slow = slow.node.peerId
    const slowPort = Number(/\/tcp\/(\d+)\//.exec(slow.address)![1])
    proxy = await startDelayProxy(slowPort, DELAY_MS)
    // The slow relay first: the page must not simply take the first it is given.
    const url = playground.pageUrl({ relays: [slow.address.replace(`/tcp/${slowPort}/`, `/tcp/${proxy.port}/`), fast.address] })
    players = await openPlayers([url])
  }, SETUP_BOUND_MS)

  afterAll(async () => {
    await players?.close()
    await proxy?.close()
    await playground?.stop()
  }, SETUP_BOUND_MS)

  it('measures both relays and reserves at the fast one', async () => {
    expect(await page().evaluate(() => window.playground.relay()), `fast ${ids.fast}, slow ${ids.slow}`).toBe(ids.fast)
    expect(await page().evaluate(() => window.playground.webrtcAddress())).toContain(`/p2p/${ids.fast}/p2p-circuit/webrtc/`)
    const relays = await page().evaluate(() => window.playground.relays())
    const of = (peer: string) => relays.find((relay) => relay.peer === peer)!
    const seen = `the page's relays: ${JSON.stringify(relays)} (fast ${ids.fast})`
    expect(relays.map((relay) => relay.peer), seen).toEqual([ids.fast, ids.slow])
    // Every chunk to and from the slow relay waits 150 ms each way in the proxy.
    expect(of(ids.slow).rttMs, seen).toBeGreaterThanOrEqual(2 * DELAY_MS)
    expect(of(ids.fast).rttMs, seen).toBeLessThan(of(ids.slow).rttMs!)
    expect(of(ids.fast).score, seen).toBeGreaterThan(of(ids.slow).score)
    await shot('relay-choice-fast', ids.fast)
  })

  it('moves its reservation to the slow relay when the fast one stops', async () => {
    await playground!.relays[0]!.stop()
    await page().waitForFunction((slow) => window.playground.relay() === slow && window.playground.webrtcAddress()?.includes(`/p2p/${slow}/p2p-circuit/webrtc/`), ids.slow, { timeout: WAIT_BOUND_MS })
    const relays = await page().evaluate(() => window.playground.relays())
    const seen = `the page's relays: ${JSON.stringify(relays)} (slow ${ids.slow})`
    expect(relays.find((relay) => relay.reserved)?.peer, seen).toBe(ids.slow)
    // The relay that went away is ranked last: it failed within the retry window.
    expect(relays.at(-1)?.peer, seen).toBe(ids.fast)
    await shot('relay-choice-failover', ids.slow)
  }, WAIT_BOUND_MS + 10_000)
})
