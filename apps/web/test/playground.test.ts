// Two playground pages in Debian's Chromium, one relay node in Node: they meet through the relay, play over direct
// WebRTC on loopback, and end with the same confirmed board. Screenshots go to test-artifacts/ (gitignored).
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isCi, skipBrowserTests } from '@dscs/browser-test'
import type { Page } from 'playwright-core'
import { sameBoard, type Board } from '../src/board.js'
import { startIsolatedPlayground, type IsolatedPlayground } from '../src/node/netns.js'
import { awaitDirect, awaitTopicMesh, openPlayers, type Players } from '../src/node/players.js'

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url))
// Bounds against hangs, not timings: Vite builds the page and Chromium starts on a loaded 2-core machine.
const SETUP_BOUND_MS = 120_000
const WAIT_BOUND_MS = 30_000

// The namespace needs root (`unshare -n`): CI runs as root; elsewhere the test is skipped with a line saying so.
const notRoot = process.getuid?.() !== 0
if (notRoot && !isCi()) console.log('SKIPPED the playground test: it needs root for its loopback-only network namespace (unshare -n)')

describe.skipIf(skipBrowserTests() || (notRoot && !isCi()))('the playground in two Chromium pages', () => {
  let playground: IsolatedPlayground | undefined
  let players: Players | undefined
  const page = (i: number): Page => players!.pages[i]!

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    // Relay, page server and Chromium in a network namespace whose only interface is loopback.
    playground = await startIsolatedPlayground()
    players = await openPlayers([playground.url], playground.chromium)
  }, SETUP_BOUND_MS)

  afterAll(async () => {
    await players?.close()
    await playground?.stop()
  }, SETUP_BOUND_MS)

  it('a second player opens the invite link of the first and the pages connect over direct WebRTC on loopback', async () => {
    await page(0).waitForFunction(() => document.getElementById('invite')!.getAttribute('href')!.includes('peer='), undefined, { timeout: WAIT_BOUND_MS })
    const invite = await page(0).getAttribute('#invite', 'href')
    await players!.open(invite!)
    const { dialer, answerer } = await awaitDirect(page(1), page(0))
    // The answering side names the connection by its transport alone; the dialer keeps the address it dialled (via the relay).
    expect(answerer.remoteAddr).toContain('/webrtc')
    expect(answerer.remoteAddr).not.toContain('/p2p-circuit')
    for (const side of [dialer, answerer]) {
      expect(side.direct).toBe(true)
      expect(side.limited).toBe(false)
    }
    // What carries the bytes: ICE pairs on 127.0.0.1 — no TURN relay, and no other interface exists in the namespace.
    // (The remote end may be peer-reflexive — its check arrived before its candidate — whose address Chromium hides.)
    for (const i of [0, 1]) {
      const pairs = await page(i).evaluate(() => window.playground.selectedPairs())
      // Every connected peer connection of the page is checked, however many there are.
      expect(pairs.length).toBeGreaterThanOrEqual(1)
      for (const pair of pairs) {
        expect(pair.localType).toBe('host')
        expect(['host', 'prflx']).toContain(pair.remoteType)
        expect(pair.local).toMatch(/^127\.0\.0\.1:/)
        expect(pair.remote).toMatch(pair.remoteType === 'host' ? /^127\.0\.0\.1:/ : /^:\d+$/)
      }
    }
  }, WAIT_BOUND_MS * 2)

  it('shows moves on both pages at once (predicted) and ends with the same confirmed board', async () => {
    await awaitTopicMesh(players!.pages)
    const [a, b] = [page(0), page(1)]
    const [keyA, keyB] = await Promise.all([a.evaluate(() => window.playground.me), b.evaluate(() => window.playground.me)])

    // A local move shows at once in the predicted view, and is pending (not confirmed) until it settles.
    const justMoved = await a.evaluate(async () => {
      await window.playground.move(0, 0)
      return { predicted: window.playground.predicted(), confirmed: window.playground.confirmed() }
    })
    expect(justMoved.predicted).toMatchObject({ [keyA]: { x: 0, y: 0 } })
    expect(justMoved.confirmed[keyA]).toBeUndefined()
    await b.evaluate(() => window.playground.move(7, 7))
    await a.waitForFunction((k) => window.playground.predicted()[k]?.x === 7, keyB, { timeout: WAIT_BOUND_MS })
    await a.screenshot({ path: `${ARTIFACTS}a-predicted.png`, fullPage: true })

    // Both race for (3, 3): each page predicts its own win; the move first in HLC order wins on both.
    await Promise.all([a.evaluate(() => window.playground.move(3, 3)), b.evaluate(() => window.playground.move(3, 3))])
    await b.evaluate(() => window.playground.move(6, 6))

    const settled = (p: Page): Promise<unknown> =>
      p.waitForFunction(([ka, kb]) => window.playground.pending() === 0 && window.playground.confirmed()[ka!] !== undefined && window.playground.confirmed()[kb!] !== undefined, [keyA, keyB], { timeout: WAIT_BOUND_MS })
    await Promise.all([settled(a), settled(b)])
    const [confirmedA, confirmedB, predictedA] = await Promise.all([
      a.evaluate(() => window.playground.confirmed()),
      b.evaluate(() => window.playground.confirmed()),
      a.evaluate(() => window.playground.predicted())
    ])
    await Promise.all([a.screenshot({ path: `${ARTIFACTS}a-confirmed.png`, fullPage: true }), b.screenshot({ path: `${ARTIFACTS}b-confirmed.png`, fullPage: true })])

    expect(sameBoard(confirmedA, confirmedB)).toBe(true)
    expect(sameBoard(predictedA, confirmedA)).toBe(true)
    // b moved on to (6, 6) whatever the race gave it; a holds (3, 3) exactly when it won the race.
    expect(confirmedA[keyB]).toEqual({ x: 6, y: 6 })
    expect(occupants(confirmedA, 3, 3).length).toBeLessThanOrEqual(1)
    expect([{ x: 3, y: 3 }, { x: 0, y: 0 }]).toContainEqual(confirmedA[keyA])
    expect(players!.pageErrors).toEqual([])
  }, WAIT_BOUND_MS * 3)
})

function occupants(board: Board, x: number, y: number): string[] {
  return Object.entries(board)
    .filter(([, cell]) => cell.x === x && cell.y === y)
    .map(([player]) => player)
}
