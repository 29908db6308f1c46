// The service on real libp2p nodes, on loopback TCP: what the package documentation's example does, with assertions.
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { PROTOCOL_ID, routingOptimizer, type RoutingOptimizer, type RoutingOptimizerEvent, type RoutingOptimizerInit } from '../src/index.js'
import { waitFor } from '@dscs/test-support'

const LIBP2P_TEST_TIMEOUT = 30_000

describe('routingOptimizer on libp2p', () => {
  let nodes: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    nodes = []
  })

  /** A node listening on loopback TCP only, with the service registered unless `init` is null. */
  async function startNode(init: RoutingOptimizerInit | null = {}): Promise<DscsNode> {
    const node = await createNode({
      listen: ['/ip4/127.0.0.1/tcp/0'],
      relayServer: false,
      ...(init === null ? {} : { services: { routingOptimizer: routingOptimizer(init) } })
    })
    nodes.push(node)
    return node
  }

  const serviceOf = (node: DscsNode): RoutingOptimizer => node.libp2p.services.routingOptimizer as RoutingOptimizer

  it(
    'pings a peer between two nodes and resolves to the round-trip time',
    async () => {
      const alice = await startNode()
      const bob = await startNode({ timeout: 5_000 })
      await alice.dial(bob.multiaddrs()[0]!)
      const service = serviceOf(alice)
      const seen: RoutingOptimizerEvent[] = []
      service.onEvent((event) => seen.push(event))
      const verdicts = alice.net.verificationCache.size

      const rtt = await service.ping(bob.peerId)
      expect(rtt).toBeGreaterThanOrEqual(0)
      expect(rtt).toBeLessThan(10_000) // answered, not timed out
      expect(seen).toEqual([{ type: 'pong', id: expect.any(String) as string, peer: bob.peerId, rtt }])
      // The pong's signature verdict went into the node's shared cache.
      expect(alice.net.verificationCache.size).toBe(verdicts + 1)
      // Both ways: bob's service answers and asks alike.
      expect(await serviceOf(bob).ping(alice.peerId)).toBeGreaterThanOrEqual(0)
    },
    LIBP2P_TEST_TIMEOUT
  )

  it(
    'fails a ping to a node without the service, and every ping once stopped',
    async () => {
      const alice = await startNode()
      const plain = await startNode(null)
      await alice.dial(plain.multiaddrs()[0]!)
      await expect(serviceOf(alice).ping(plain.peerId)).rejects.toMatchObject({ code: 'SEND_FAILED' })
      serviceOf(alice).stop()
      await expect(serviceOf(alice).ping(plain.peerId)).rejects.toMatchObject({ code: 'NOT_RUNNING' })
    },
    LIBP2P_TEST_TIMEOUT
  )

  it(
    'penalises a peer that sends bytes which are not a valid message',
    async () => {
      const alice = await startNode()
      const mallory = await startNode(null)
      await mallory.dial(alice.multiaddrs()[0]!)
      await mallory.net.send(alice.peerId, PROTOCOL_ID, new Uint8Array([0xff, 0xff]))
      await waitFor(() => alice.net.penalties(mallory.peerId).total === 1, 'the penalty')
      expect(alice.net.penalties(mallory.peerId).byCode.get('MALFORMED')).toBe(1)
    },
    LIBP2P_TEST_TIMEOUT
  )
})
