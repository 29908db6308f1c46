// The dashboard of a real `dscs node --state --api` process, in Debian's Chromium: the peer graph and live values.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium, skipBrowserTests } from '@dscs/browser-test'
import type { FrpState } from '@dscs/frp-state'
import { createNode, type DscsNode } from '@dscs/net'
import { sharedState, type SharedOp } from '../src/shared-state.js'
import { start, type Running } from './spawn.js'

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url))
// Bounds against hangs, not timings: a node process and a browser start on a loaded 2-core machine.
const TEST_BOUND_MS = 120_000
const WAIT_BOUND_MS = 30_000

describe.skipIf(skipBrowserTests())('the dashboard in Chromium', () => {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  })

  it(
    'shows the connected peer in the graph and a remote op in the predicted view before it is confirmed',
    async () => {
      const data = await mkdtemp(join(tmpdir(), 'dscs-dashboard-'))
      cleanups.push(() => rm(data, { recursive: true, force: true }))
      const dashboardNode: Running = start(['node', '--data', data, '--transports', 'tcp', '--state', '--api', '0', '--json'], TEST_BOUND_MS)
      cleanups.push(async () => {
        dashboardNode.child.kill('SIGTERM')
        await dashboardNode.exit
      })
      const ready = await dashboardNode.next('ready')
      const { url } = (await dashboardNode.next('api')) as unknown as { url: string }

      // A peer running the same shared state, whose author the dashboard's node has not allowed: its op stays pending there.
      const peerState = sharedState()
      const peer: DscsNode = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], transports: ['tcp'], relayServer: false, services: { state: peerState.service } })
      cleanups.push(() => peer.stop())
      await peer.dial((ready.multiaddrs as string[])[0]!)

      const browser = await launchChromium()
      cleanups.push(() => browser.close())
      const page = await browser.newPage()
      const pageErrors: string[] = []
      page.on('pageerror', (err) => pageErrors.push(err.message))
      await page.goto(url)
      await page.locator(`circle.peer[data-peer="${peer.peerId}"]`).waitFor({ timeout: WAIT_BOUND_MS })
      // The node runs the routing optimizer: the peers' table shows its score of the peer beside the RTT.
      await page.locator(`tr[data-peer="${peer.peerId}"] td.routing-score`, { hasText: /^0\.\d\d$/ }).waitFor({ timeout: WAIT_BOUND_MS })

      await (peer.libp2p.services.state as FrpState<SharedOp>).submit({ type: 'add', counter: 'apples', by: 3 })
      const apples = page.locator('tr[data-value="demo/counters.apples"]')
      await apples.locator('.predicted', { hasText: '3' }).waitFor({ timeout: WAIT_BOUND_MS })
      // The page drew it from the node's event, which carries the change as an edit of the state view.
      const change = await dashboardNode.until((e) => e.event === 'state-change' && JSON.stringify(e.updates).includes('counters.apples'), 'the state change of apples')
      expect(change.updates).toContainEqual({ domain: 'demo', view: 'predicted', value: 'counters.apples', to: 3 })
      // Not confirmed: the confirmed view has no such counter yet.
      expect(await apples.locator('.confirmed').textContent()).toBe('–')
      await page.locator('#log', { hasText: 'state-change' }).waitFor({ timeout: WAIT_BOUND_MS })

      await mkdir(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true })
      expect(pageErrors).toEqual([])
    },
    TEST_BOUND_MS
  )
})
