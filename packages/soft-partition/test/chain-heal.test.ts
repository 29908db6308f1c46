// The heal through trust-pow: 4 members mine a chain, a soft partition (connections kept, every message between the
// sides lost) splits them 3/1, mining stops, the links come back. No reconnection starts a chain sync; the Healer,
// fed SWIM's partition events, does, and reports the light side's blocks and transactions that lost.
import { describe, expect, it } from 'vitest'
import { identityFromSeed, signEnvelope, VerificationCache } from '@dscs/identity'
import type { SimPeer } from '@dscs/netsim'
import { Simulation } from '@dscs/netsim'
import { ChainService, searchNonce, type Miner } from '@dscs/trust-pow'
import { createEnvelope, encodeEnvelope } from '@dscs/wire'
import { Healer, chainSyncHealLayer, type HealReport } from '@dscs/soft-partition'
import { SwimSimApp, identityOf } from './cluster.js'

const SIZE = 4
const T0 = 1_700_000_000_000
const SPLIT_AT = 2_000
const STOP_AT = 40_000
const MEND_AT = 42_000

/** Finds each block after `everyMs` of virtual time, the nonce searched at once: the simulator's pace, not the CPU's. */
function timedMiner(peer: SimPeer, everyMs: number): Miner {
  return {
    hashRate: 0,
    search: (header, target, signal) =>
      new Promise((resolve) => {
        const timer = peer.setTimer(everyMs, () => resolve(searchNonce(header.slice(), target, 0, 1_000_000)))
        signal.addEventListener('abort', () => (timer.cancel(), resolve(undefined)), { once: true })
      })
  }
}

function member(peer: SimPeer, index: number, members: { peer: string; publicKey: Uint8Array }[], now: () => number) {
  const swim = new SwimSimApp(peer, identityOf(index), { members }, now)
  const components = { net: peer.net, identity: identityOf(index), clock: peer.clock, timers: peer.timers, verificationCache: new VerificationCache() }
  // The light side mines at a third of the pace, so its branch is the lighter one.
  const miner = timedMiner(peer, index === SIZE - 1 ? 4_500 : 1_500)
  const chain = new ChainService(components, { network: 'sim', powLimit: (1n << 252n) - 1n, genesisTimestamp: T0, blockInterval: 1_500, retargetInterval: 64, miner })
  void chain.start().then(() => (chain.afterStart(), chain.startMining()))
  const healer = new Healer()
  healer.register(chainSyncHealLayer(chain))
  const heals: HealReport[] = []
  swim.listeners.push((event) => {
    if (event.type === 'partition') void healer.onPartition(event).then((report) => report && heals.push(report))
  })
  return { swim, chain, heals }
}

function transaction(seed: number, timestamp: number): Uint8Array {
  const author = identityFromSeed(new Uint8Array(32).fill(seed))
  return encodeEnvelope(signEnvelope(author, createEnvelope({ kind: 'test.Op', payload: new Uint8Array([seed]), author: author.publicKey, timestamp })))
}

describe('heal through trust-pow chain sync', () => {
  it('the light side, back in the component, syncs the heavier chain and reports what its branch lost', async () => {
    const sim = new Simulation({ seed: 21, link: { latencyMs: 20, jitterMs: 10 } })
    const members = Array.from({ length: SIZE }, (_, index) => ({ peer: `peer-${index}`, publicKey: identityOf(index).publicKey }))
    const nodes = sim.addPeers(SIZE, (peer) => member(peer, Number(peer.id.slice('peer-'.length)), members, () => sim.now), { connect: 'all' })
    const light = nodes[SIZE - 1]!
    const heavy = nodes.slice(0, SIZE - 1)
    const lossBetweenSides = (loss: number) => () => heavy.forEach((node) => sim.setLink(node, light, { loss }))
    sim.at(SPLIT_AT, lossBetweenSides(1))
    let lightTx = ''
    sim.at(SPLIT_AT + 1_000, () => (lightTx = light.app!.chain.submit(transaction(7, T0 + SPLIT_AT + 1_000))))
    // No block after the links mend: only the heal can carry the heavier branch across.
    sim.at(STOP_AT, () => nodes.forEach((node) => node.app!.chain.stopMining()))
    const lightBranch: string[] = []
    sim.at(MEND_AT - 1, () => lightBranch.push(...light.app!.chain.core.bestChain()))
    sim.at(MEND_AT, lossBetweenSides(0))
    await sim.run({ until: MEND_AT + 30_000 })

    // Each side held the other down before the links mended, and is whole again.
    expect(light.app!.swim.about('member-down', heavy[0]!.id).length).toBeGreaterThan(0)
    for (const node of nodes) expect(node.app!.swim.core.partition().component).toHaveLength(SIZE)
    const winner = heavy[0]!.app!.chain
    expect(light.app!.chain.tip.id).toBe(winner.tip.id)
    const best = new Set(winner.core.bestChain())
    const lost = lightBranch.filter((id) => !best.has(id))
    expect(lost.length).toBeGreaterThan(0)
    const layers = light.app!.heals.flatMap((heal) => heal.layers).filter((layer) => layer.layer === 'trust-pow')
    const swapped = layers.reduce((sum, layer) => sum + layer.diverged, 0)
    expect(swapped).toBeGreaterThanOrEqual(lost.length)
    expect(layers.flatMap((layer) => layer.nullifiedIds ?? [])).toContain(lightTx)
    expect(layers.reduce((sum, layer) => sum + (layer.requeued ?? 0), 0)).toBeGreaterThan(0)
    expect(light.app!.heals.every((heal) => heal.failed.length === 0)).toBe(true)
  }, 120_000)
})
