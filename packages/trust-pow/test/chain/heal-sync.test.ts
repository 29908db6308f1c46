// ChainService.sync after a partition: the light side, told to sync with a peer of the heavy side as the components
// rejoin, takes the heavier branch and reports what it reorganised, nullified and requeued.
import { describe, expect, it } from 'vitest'
import { VerificationCache } from '@dscs/identity'
import { Simulation, type SimPeer } from '@dscs/netsim'
import { ChainService, type ChainSyncReport } from '../../src/chain/service.js'
import { NODE, SimMiner, TEST_POW_LIMIT, T0, tx } from './helpers.js'

const PARTITION_AT = 1_000
const STOP_AT = 30_000
const HEAL_AT = 32_000

function app(peer: SimPeer) {
  const miner = new SimMiner(peer, 2_000)
  const components = { net: peer.net, identity: NODE, clock: peer.clock, timers: peer.timers, verificationCache: new VerificationCache() }
  const chain = new ChainService(components, { network: 'sim', powLimit: TEST_POW_LIMIT, genesisTimestamp: T0, blockInterval: 2_000, retargetInterval: 16, miner })
  void chain.start().then(() => (chain.afterStart(), chain.startMining()))
  return { chain, miner }
}

describe('ChainService.sync', () => {
  it('after a heal, syncing with a peer of the heavier side takes its branch and reports the blocks and transactions that lost', async () => {
    const sim = new Simulation({ seed: 3, link: { latencyMs: 20, jitterMs: 10 } })
    const nodes = sim.addPeers(4, app, { connect: 'all' })
    const [heavy, light] = [nodes.slice(0, 3), nodes.slice(3)]
    sim.at(PARTITION_AT, () => sim.partition([heavy, light]))
    // A transaction on each side during the partition: the light side's is on the branch that loses.
    let lightTx = ''
    sim.at(PARTITION_AT + 500, () => (lightTx = light[0]!.app!.chain.submit(tx(7, T0 + PARTITION_AT + 500))))
    sim.at(PARTITION_AT + 600, () => heavy[0]!.app!.chain.submit(tx(8, T0 + PARTITION_AT + 600)))
    // Mining stops before the heal: no new block is gossiped after it, so the report holds the heal's catch-up only.
    sim.at(STOP_AT, () => nodes.forEach((node) => node.app!.chain.stopMining()))
    const before: { lightBest: string[]; heavyTip: string } = { lightBest: [], heavyTip: '' }
    sim.at(HEAL_AT - 1, () => {
      before.lightBest = light[0]!.app!.chain.core.bestChain()
      before.heavyTip = heavy[0]!.app!.chain.tip.id
    })
    let report: ChainSyncReport | undefined
    // As a Healer would: the sync starts as the components rejoin, so the report covers the whole catch-up.
    sim.at(HEAL_AT, () => {
      sim.heal()
      void light[0]!.app!.chain.sync(heavy[0]!.id).then((r) => (report = r))
    })
    await sim.run({ until: HEAL_AT + 10_000 })

    const lightChain = light[0]!.app!.chain
    const heavyChain = heavy[0]!.app!.chain
    expect(heavyChain.tip.work).toBeGreaterThan(0n)
    expect(report).toBeDefined()
    expect(report!.timedOut).toBe(false)
    expect(lightChain.tip.id).toBe(before.heavyTip)
    // Every block of the light branch above the fork left; the heavy branch's joined.
    const heavyBest = new Set(heavyChain.core.bestChain())
    const lost = before.lightBest.filter((id) => !heavyBest.has(id))
    expect(lost.length).toBeGreaterThan(0)
    expect([...report!.disconnected].sort()).toEqual([...lost].sort())
    expect(report!.connected.every((id) => heavyBest.has(id))).toBe(true)
    expect(report!.blocks).toBeGreaterThanOrEqual(report!.connected.length)
    expect(report!.nullified).toContain(lightTx)
    expect(report!.requeued).toBe(report!.nullified.length)
  }, 60_000)
})
