// The service on real libp2p nodes, on loopback TCP: a connection is a join; the members see each other alive.
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { softPartition, type SoftPartition } from '../src/index.js'
import { waitFor } from '@dscs/test-support'

const LIBP2P_TEST_TIMEOUT = 30_000

describe('softPartition on libp2p', () => {
  let nodes: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    nodes = []
  })

  async function startNode(): Promise<DscsNode> {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], relayServer: false, services: { softPartition: softPartition({ period: 200, probeTimeout: 100 }) } })
    nodes.push(node)
    return node
  }

  const serviceOf = (node: DscsNode): SoftPartition => node.libp2p.services.softPartition as SoftPartition

  it(
    'joins on connection: each node holds the other alive, probes it, and is in the majority',
    async () => {
      const alice = await startNode()
      const bob = await startNode()
      await alice.dial(bob.multiaddrs()[0]!)
      const isAlive = (node: DscsNode, peer: string) => serviceOf(node).members().some((m) => m.peer === peer && m.state === 'alive')
      await waitFor(() => isAlive(alice, bob.peerId) && isAlive(bob, alice.peerId), 'each to hold the other alive')
      await waitFor(() => serviceOf(alice).link(bob.peerId).samples >= 4, 'four probes of bob')
      expect(serviceOf(alice).link(bob.peerId).class).toBe('ok')
      expect(serviceOf(alice).partition()).toMatchObject({ majority: true, known: 2 })
    },
    LIBP2P_TEST_TIMEOUT
  )
})
