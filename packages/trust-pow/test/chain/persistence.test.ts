import { describe, expect, it } from 'vitest'
import { VerificationCache } from '@dscs/identity'
import { Simulation, type SimPeer } from '@dscs/netsim'
import { ChainService, type ChainServiceEvent } from '../../src/chain/service.js'
import { NODE, SimMiner, T0, TEST_POW_LIMIT, tx } from './helpers.js'

function app(peer: SimPeer) {
  const chain = new ChainService(
    { net: peer.net, identity: NODE, clock: peer.clock, timers: peer.timers, store: peer.store, verificationCache: new VerificationCache() },
    { network: 'disk', powLimit: TEST_POW_LIMIT, genesisTimestamp: T0, blockInterval: 1_000, miner: new SimMiner(peer, 500) }
  )
  const events: ChainServiceEvent[] = []
  chain.onEvent((event) => events.push(event))
  const started = chain.start().then(() => chain.afterStart())
  return { chain, events, started }
}

describe('the chain on disk', () => {
  it('resumes from the store after a restart, and reports a damaged record without crashing', async () => {
    const sim = new Simulation({ seed: 3, epochMs: T0 })
    const node = sim.addPeer(app)
    await node.app!.started
    const id = node.app!.chain.submit(tx(21, T0))
    node.app!.chain.startMining()
    await sim.run({ until: 10_000 })
    node.app!.chain.stopMining()
    await node.app!.chain.flush()
    const tip = node.app!.chain.tip
    const chain = node.app!.chain.core.bestChain()
    expect(tip.height).toBeGreaterThan(5)

    sim.crash(node)
    sim.restart(node)
    await node.app!.started
    expect(node.app!.chain.tip).toEqual(tip)
    expect(node.app!.chain.txStatus(id)).toMatchObject({ status: 'mined', height: 1 })
    expect(node.app!.events.filter((e) => e.type === 'corrupt')).toEqual([])

    // Damage the record of the block at height 3: the node resumes up to height 2 and reports the record.
    const prefix = new TextEncoder().encode('trust-pow/chain/disk/b/')
    const key = Uint8Array.from([...prefix, ...Buffer.from(chain[3]!, 'hex')])
    const stored = (await node.store.get(key))!
    await node.store.put(key, stored.slice(0, stored.length - 1))
    sim.crash(node)
    sim.restart(node)
    await node.app!.started
    expect(node.app!.chain.tip.height).toBe(2)
    const corrupt = node.app!.events.filter((e) => e.type === 'corrupt')
    expect(corrupt.map((e) => e.type === 'corrupt' && [e.key, e.error.code])).toEqual([[chain[3], 'CORRUPT_STORE']])
    expect(node.app!.chain.core.stats.orphans).toBe(tip.height - 3)
  })
})
