// The chain on real libp2p nodes on loopback TCP: three nodes mine (low difficulty, worker threads) and agree on the tip; a late joiner syncs.
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { powChain, workerMiner, type ChainInit, type ChainService } from '../../src/node/index.js'
import { waitFor } from '../helpers.js'
import { tx } from './helpers.js'

const LIBP2P_TEST_TIMEOUT = 60_000
// About 260 000 hashes a block: a fraction of a second on a worker.
const POW_LIMIT = (1n << 238n) - 1n

describe('the chain on libp2p', () => {
  let nodes: DscsNode[] = []
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    nodes = []
  })

  async function startNode(init: ChainInit = {}): Promise<DscsNode> {
    const node = await createNode({
      listen: ['/ip4/127.0.0.1/tcp/0'],
      relayServer: false,
      services: { chain: powChain({ network: 'libp2p-test', powLimit: POW_LIMIT, miner: workerMiner(), ...init }) }
    })
    nodes.push(node)
    return node
  }

  const chainOf = (node: DscsNode): ChainService => node.libp2p.services.chain as ChainService
  const agreed = (group: readonly DscsNode[]): boolean => group.every((node) => chainOf(node).tip.id === chainOf(group[0]!).tip.id)

  it(
    'three mining nodes agree on the tip and mine a submitted transaction; a late joiner catches up',
    async () => {
      const [a, b, c] = [await startNode(), await startNode(), await startNode()]
      await a.dial(b.multiaddrs()[0]!)
      await a.dial(c.multiaddrs()[0]!)
      await b.dial(c.multiaddrs()[0]!)
      const miners = [a, b, c]
      await waitFor(() => miners.every((node) => chainOf(node).core.stats.blocks >= 1), 'the nodes to join')
      const id = chainOf(b).submit(tx(40, Date.now()))
      miners.forEach((node) => chainOf(node).startMining())
      await waitFor(() => miners.every((node) => (chainOf(node).confirmations(id) ?? 0) >= 2), 'the transaction 2 blocks deep everywhere', 30_000)
      expect(miners.some((node) => chainOf(node).mining.hashRate > 0)).toBe(true)
      miners.forEach((node) => chainOf(node).stopMining())
      // One more block from one node settles any tie the three left.
      const height = chainOf(a).tip.height
      chainOf(a).startMining()
      await waitFor(() => chainOf(a).tip.height > height, 'one more block', 30_000)
      chainOf(a).stopMining()
      await waitFor(() => agreed(miners), 'the three to agree on the tip', 15_000)

      const late = await startNode()
      await late.dial(c.multiaddrs()[0]!)
      await waitFor(() => agreed([...miners, late]), 'the late joiner to sync', 15_000)
      expect(chainOf(late).confirmations(id)).toBe(chainOf(a).confirmations(id))
    },
    LIBP2P_TEST_TIMEOUT
  )
})
