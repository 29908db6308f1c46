// The service on real libp2p nodes, on loopback TCP: what the package documentation's example does, with assertions.
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { CAPACITY_TOPIC, PROTOCOL_ID, routingOptimizer, type RoutingOptimizer, type RoutingOptimizerEvent, type RoutingOptimizerInit } from '../src/index.js'
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

  it(
    'measures, advertises and scores on four nodes; feeds gossipsub, selects chunk peers and prunes connections',
    async () => {
      const MB = 1e6
      const nodes4 = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          startNode({ probeInterval: 100, advertiseInterval: 500, capacity: () => ({ uploadBytesPerSecond: (i + 1) * MB, relay: i === 2 }) })
        )
      )
      const [alice, bob, carol, dave] = nodes4 as [DscsNode, DscsNode, DscsNode, DscsNode]
      const service = serviceOf(alice)
      const records = new Map<string, number>()
      service.onEvent((event) => {
        if (event.type === 'capacity') records.set(event.peer, event.record.uploadBytesPerSecond)
      })
      for (const other of [bob, carol, dave]) await alice.dial(other.multiaddrs()[0]!)
      const others = [bob, carol, dave].map((node) => node.peerId)
      await waitFor(() => others.every((peer) => alice.net.topicPeers(CAPACITY_TOPIC).includes(peer)), 'the capacity topic peers')

      // Pings every 100 ms measure each peer; signed records arrive by gossip, about their authors.
      await waitFor(() => others.every((peer) => service.score(peer).rtt !== undefined && records.has(peer)), 'RTTs and capacity records')
      expect(records.get(bob.peerId)).toBe(2 * MB)
      expect(records.get(dave.peerId)).toBe(4 * MB)
      // Measured peers: the RTT given is the measured one, and the coordinate learned from it has a relative error to report.
      for (const peer of others) expect(service.predictRtt(peer)).toBe(service.score(peer).rtt)
      // Pongs carry coordinates: each peer is placed too, so its coordinate's prediction stands beside the measurement.
      for (const peer of others) expect(service.coordinateRtt(peer)).toBeGreaterThanOrEqual(0)
      expect(service.predictionError().peers).toBe(3)
      expect(service.predictionError().median).toBeGreaterThanOrEqual(0)
      expect(service.relays(3)).toEqual([carol.peerId])

      // gossipsub asks the Net for the application-specific score, which the service registered.
      expect(alice.net.appSpecificScore(bob.peerId)).toBe(service.appSpecificScore(bob.peerId))
      expect(alice.net.appSpecificScore(bob.peerId)).toBeGreaterThan(0)
      await waitFor(() => alice.net.gossipScore(bob.peerId) > 0, 'a positive gossipsub score from P5')

      // Measured transfers override the records: dave delivers 1/20 of bob's rate and drops out of the chunk selector.
      for (let i = 0; i < 4; i++) {
        service.observeTransfer(bob.peerId, 2 * MB, 1_000)
        service.observeTransfer(carol.peerId, 2 * MB, 1_000)
        service.observeTransfer(dave.peerId, 0.1 * MB, 1_000)
      }
      expect(service.score(dave.peerId).overclaimed).toBe(true)
      const order = service.order('content', others.map((peer) => ({ peer, throughput: 0 })))
      expect(order).toHaveLength(2)
      expect(order).not.toContain(dave.peerId)

      // The connection manager keeps the best one plus one random: one of the three is pruned, and it is never bob or carol both.
      const pruned = await service.pruneConnections({ best: 1, random: 1 })
      expect(pruned).toHaveLength(1)
      await waitFor(() => !alice.net.peers().includes(pruned[0]!), 'the pruned connection closed')
      expect(alice.net.peers()).toHaveLength(2)
    },
    LIBP2P_TEST_TIMEOUT
  )
})
