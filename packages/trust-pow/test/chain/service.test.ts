// The chain on real libp2p nodes on loopback TCP: three nodes mine (low difficulty, worker threads) and agree on the tip; a late joiner syncs.
import { afterEach, describe, expect, it } from 'vitest'
import { createNode, type DscsNode } from '@dscs/net'
import { powChain, workerMiner, type ChainInit, type ChainService } from '../../src/node/index.js'
import { frpState, jsonCodec, StateGraph, type FrpState } from '@dscs/frp-state'
import { waitFor } from '@dscs/test-support'
import { tx } from './helpers.js'

const LIBP2P_TEST_TIMEOUT = 60_000

interface Entry {
  readonly n: number
}
const isEntry = (v: unknown): v is Entry => Number.isSafeInteger((v as Entry)?.n)
// About 260 000 hashes a block: a fraction of a second on a worker.
const POW_LIMIT = (1n << 238n) - 1n

describe('the chain on libp2p', () => {
  let nodes: DscsNode[] = []
  // Each node's frp-state sum, [predicted, confirmed].
  const sums = new Map<DscsNode, () => [number, number]>()
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()))
    nodes = []
  })

  /** A node with the chain, and frp-state on it with the chain's TrustPolicy (ops confirmed 2 blocks deep). */
  async function startNode(init: ChainInit = {}): Promise<DscsNode> {
    const chain = powChain({ network: 'libp2p-test', powLimit: POW_LIMIT, miner: workerMiner(), ...init })
    const graph = new StateGraph<Entry>()
    const sum = graph.reducer<number>({ name: 'sum', key: () => 'sum', reduce: (n, op) => n + op.payload.n, initial: 0 })
    const node = await createNode({
      listen: ['/ip4/127.0.0.1/tcp/0'],
      relayServer: false,
      services: { chain, state: frpState<Entry>({ graph, codec: jsonCodec(isEntry), trust: chain.trustPolicy({ confirmations: 2 }) }) }
    })
    nodes.push(node)
    sums.set(node, () => [graph.get('predicted', sum, 'sum'), graph.get('confirmed', sum, 'sum')])
    return node
  }

  const chainOf = (node: DscsNode): ChainService => node.libp2p.services.chain as ChainService
  const stateOf = (node: DscsNode): FrpState<Entry> => node.libp2p.services.state as FrpState<Entry>
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
      // An frp-state op of a, submitted to the chain as a transaction: pending until 2 blocks deep, then confirmed.
      const op = await stateOf(a).submit({ n: 5 })
      chainOf(a).submit(op.envelope)
      expect(sums.get(a)!()).toEqual([5, 0])
      miners.forEach((node) => chainOf(node).startMining())
      await waitFor(() => miners.every((node) => (chainOf(node).confirmations(id) ?? 0) >= 2), 'the transaction 2 blocks deep everywhere', 30_000)
      expect(miners.some((node) => chainOf(node).mining.hashRate > 0)).toBe(true)
      await waitFor(() => sums.get(a)!()[1] === 5, 'the op confirmed in frp-state', 30_000)
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
