// The service on simulated peers (@dscs/netsim): statements spread by gossip and by the records sent on connect,
// a revocation made during a partition reaches the other side after the heal and lowers trust on every node,
// an expiry lapses everywhere at once, and a restarted node reads its records back from its store.
import { describe, expect, it } from 'vitest'
import { VerificationCache } from '@dscs/identity'
import { Simulation, type SimNode, type SimPeer } from '@dscs/netsim'
import { bytesToHex } from '@noble/hashes/utils.js'
import { TrustWotService } from '../src/index.js'
import { person } from './helpers.js'

const EPOCH = 1_700_000_000_000
const PEERS = 8
const DAY = 86_400_000
const identity = (index: number) => person(40 + index)
const key = (index: number) => bytesToHex(identity(index).publicKey)

function app(peer: SimPeer) {
  const index = Number(peer.id.replace(/\D/g, ''))
  const service = new TrustWotService(
    { net: peer.net, identity: identity(index), clock: peer.clock, timers: peer.timers, store: peer.store, verificationCache: new VerificationCache() },
    { metric: { maxDepth: 10 } }
  )
  void service.start().then(() => service.afterStart())
  return { index, service }
}
type App = ReturnType<typeof app>

/** Each node's own trust in `target`, by node index. */
const trustIn = (nodes: readonly SimNode<App>[], target: number): number[] => nodes.map((node) => node.app!.service.trustOf(identity(target).publicKey))

describe('trust-wot in the simulator', () => {
  it('spreads statements, propagates a revocation made in a partition after the heal, lapses expiries, and restores from the store', async () => {
    const sim = new Simulation({ seed: 3, link: { latencyMs: 30, jitterMs: 20, loss: 0.02 } })
    const nodes = sim.addPeers(PEERS, app, { connect: { degree: 3 } })
    // A ring of trust: each trusts the next, so everyone reaches everyone, only around the ring.
    // The 6 → 7 statement expires at 20 s; the others last a day.
    for (const node of nodes) {
      const next = (node.index + 1) % PEERS
      sim.at(100 + node.index * 50, () => void node.app!.service.trust(identity(next).publicKey, { level: 100, expires: EPOCH + (node.index === 6 ? 20_000 : DAY) }))
    }
    const before: Record<string, number[]> = {}
    sim.at(3_000, () => (before.four = trustIn(nodes, 4)))
    sim.at(4_000, () => sim.partition([nodes.slice(0, 4), nodes.slice(4)]))
    sim.at(5_000, () => void nodes[3]!.app!.service.revoke(identity(4).publicKey))
    const during: Record<string, number[]> = {}
    sim.at(7_000, () => (during.four = trustIn(nodes, 4)))
    sim.at(9_000, () => sim.heal())
    const after: Record<string, number[]> = {}
    sim.at(14_000, () => (after.four = trustIn(nodes, 4)))
    sim.at(14_000, () => (before.seven = trustIn(nodes, 7)))
    sim.at(20_500, () => (after.seven = trustIn(nodes, 7)))
    // Node 2 restarts cut off from everyone: what it holds then, it read from its store.
    sim.at(21_000, () => sim.crash(nodes[2]!))
    sim.at(21_500, () => sim.partition([[nodes[2]!]]))
    sim.at(22_000, () => sim.restart(nodes[2]!))
    let restored = 0
    sim.at(23_000, () => (restored = nodes[2]!.app!.service.core.graph.size))
    sim.at(24_000, () => sim.heal())
    await sim.run({ until: 25_000 })

    // Before: every node reaches 4 around the ring (4 itself has it all).
    for (const [i, trust] of before.four!.entries()) expect(trust, `node ${i}`).toBeGreaterThan(0)
    // During the partition only 3's side knows of the revocation.
    for (const [i, trust] of during.four!.entries()) {
      if (i < 4) expect(trust, `node ${i}`).toBe(0)
      else expect(trust, `node ${i}`).toBe(before.four![i])
    }
    // After the heal, every node but 4 has lost its trust in 4.
    for (const [i, trust] of after.four!.entries()) expect(trust, `node ${i}`).toBe(i === 4 ? 1 : 0)
    // The 6 → 7 statement lapsed at 20 s: nobody but 7 itself reaches 7 any more.
    for (const [i, trust] of before.seven!.entries()) if (i >= 4) expect(trust, `node ${i}`).toBeGreaterThan(0)
    for (const [i, trust] of after.seven!.entries()) expect(trust, `node ${i}`).toBe(i === 7 ? 1 : 0)
    // Every node holds the same records (the 8 of the ring, one a revocation); the restarted one read them back from its store.
    expect(restored).toBe(PEERS)
    const sizes = nodes.map((node) => node.app!.service.core.graph.size)
    expect(new Set(sizes)).toEqual(new Set([PEERS]))
    expect(nodes[2]!.app!.service.viewpoint(identity(0).publicKey).trust(key(3))).toBeGreaterThan(0)
    expect(sim.penaltiesAgainst(nodes[0]!.id)).toBe(0)
  }, 60_000)
})
