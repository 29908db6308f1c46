import { describe, expect, it } from 'vitest'
import type { DscsNode } from '../src/node/index.js'
import { envelopeBytes, nodesStoppedAfterEach, startNodes, waitFor } from './helpers.js'

const PROTOCOL = '/dscs/test/1.0.0'
const running = nodesStoppedAfterEach()

describe('rationing on a real node', () => {
  it('throttles, then disconnects a flooding peer, while an honest peer keeps getting through', async () => {
    const nodes = await startNodes(3, {
      net: { rationing: { messagesPerSecond: 20, burstMessages: 20, maxThrottleMs: 1000 } }
    })
    running.push(...nodes)
    const [victim, flooder, honest] = nodes as [DscsNode, DscsNode, DscsNode]
    const received = { flooder: 0, honest: 0 }
    victim.net.handle(PROTOCOL, ({ from }) => {
      if (from === flooder.peerId) received.flooder++
      else if (from === honest.peerId) received.honest++
    })

    const FLOOD = 2000
    const flood = (async () => {
      const message = envelopeBytes(flooder.identity, 'spam')
      try {
        for (let i = 0; i < FLOOD; i++) await flooder.net.send(victim.peerId, PROTOCOL, message)
      } catch {
        // The victim hung up on us.
      }
    })()
    // Ten honest messages at 10 per second: within its own budget.
    for (let i = 0; i < 10; i++) {
      await honest.net.send(victim.peerId, PROTOCOL, envelopeBytes(honest.identity, `honest ${i}`))
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await flood

    await waitFor(() => received.honest === 10, 'all honest messages')
    await waitFor(() => !victim.net.peers().includes(flooder.peerId), 'the flooder to be disconnected')
    expect(victim.net.penalties(flooder.peerId).byCode.get('RATIONED')).toBeGreaterThanOrEqual(1)
    expect(received.flooder).toBeLessThan(FLOOD)
    expect(received.flooder).toBeGreaterThanOrEqual(20) // its burst got through
    expect(victim.net.peers()).toContain(honest.peerId)
  }, 30_000)
})
