import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { identityFromSeed, VerificationCache } from '@dscs/identity'
import { Simulation } from '@dscs/netsim'
import { createBlock } from '../../src/chain/block.js'
import { encodeHeader, headerHash, meetsTarget } from '../../src/chain/header.js'
import { ChainService } from '../../src/chain/service.js'
import { events, exchange, mine, NODE, T0, testChain, TEST_POW_LIMIT, tx } from './helpers.js'
import { BLOCK_KIND, sealAnnouncement } from '../../src/chain/announce.js'
import { ChainCore } from '../../src/chain/core.js'

const POOL = Array.from({ length: 12 }, (_, i) => tx(50 + i))

describe('reorganisations', () => {
  it('nullify exactly the losing branch’s transactions that the winning branch lacks, and requeue them', () => {
    const branch = fc.array(fc.subarray([...POOL.keys()]), { minLength: 1, maxLength: 5 })
    fc.assert(
      fc.property(branch, branch, fc.subarray([...POOL.keys()]), (light, heavy, shared) => {
        fc.pre(heavy.length > light.length)
        const a = testChain({ maxBlocksPerRequest: 2 })
        const b = testChain()
        // Each side mines the blocks of its branch, each block with the transactions drawn for it not yet on its chain.
        const mineBranch = (chain: ChainCore, blocks: readonly number[][], skew: number): void =>
          blocks.forEach((picks, i) => {
            for (const p of [...picks, ...shared]) if (chain.txStatus(chain.submit(POOL[p]!, T0).id).status === 'unknown') throw new Error('not admitted')
            mine(chain, T0 + (i + 1) * 1_000 + skew)
          })
        mineBranch(a, light, 0)
        mineBranch(b, heavy, 1)
        const onA = new Set(a.bestChain().flatMap((id) => a.transactionsOf(id)!))
        const onB = new Set(b.bestChain().flatMap((id) => b.transactionsOf(id)!))
        const pendingBefore = new Set(POOL.map((t) => a.submit(t, T0).id).filter((id) => a.txStatus(id).status === 'mempool'))
        // The branch arrives by sync, two blocks a batch, and is adopted whole: one reorganisation, not one per batch.
        const seen = events(exchange(b, a, a.peerConnected('a', T0 + 9_000))) // the helper names its first chain "a"
        const nullified = seen.flatMap((e) => (e.type === 'reorg' ? e.nullified : []))
        expect(a.tip.id).toBe(b.tip.id)
        expect(new Set(nullified)).toEqual(new Set([...onA].filter((id) => !onB.has(id))))
        expect(nullified.length).toBe(new Set(nullified).size)
        // Every transaction is now on the winning chain or waiting in the mempool, none lost, none twice.
        for (const id of new Set([...onA, ...pendingBefore])) expect(['mined', 'mempool']).toContain(a.txStatus(id).status)
        for (const id of onB) expect(a.txStatus(id).status).toBe('mined')
      }),
      { numRuns: 40 }
    )
  })
})

describe('a hostile peer on the network', () => {
  it('is penalised for every invalid block it gossips, and the honest nodes keep their chain', async () => {
    const sim = new Simulation({ seed: 5, epochMs: T0 })
    const honest = sim.addPeers(2, (peer) => {
      const chain = new ChainService(
        { net: peer.net, identity: NODE, clock: peer.clock, timers: peer.timers, verificationCache: new VerificationCache() },
        { powLimit: TEST_POW_LIMIT, genesisTimestamp: T0, blockInterval: 1_000 }
      )
      void chain.start().then(() => chain.afterStart())
      return chain
    })
    const mallory = sim.addPeer((peer) => peer)
    const template = testChain().template(T0 + 1_000).header
    let nonce = 0
    while (meetsTarget(headerHash(encodeHeader({ ...template, nonce })), template.target)) nonce++
    const weak = createBlock({ ...template, nonce }, [])
    const evil = identityFromSeed(new Uint8Array(32).fill(66))
    sim.at(1_000, () => mallory.app!.net.publish(new ChainCore({ identity: evil }).blockTopic, sealAnnouncement(evil, BLOCK_KIND, weak.bytes, T0 + 1_000)))
    sim.at(1_100, () => mallory.app!.net.publish(new ChainCore({ identity: evil }).blockTopic, sealAnnouncement(evil, BLOCK_KIND, new Uint8Array(40), T0 + 1_100)))
    await sim.run({ until: 5_000 })
    expect(sim.penaltiesAgainst(mallory)).toBe(4)
    for (const node of honest) expect(node.app!.tip.height).toBe(0)
  })
})
