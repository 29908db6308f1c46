// The trust-observer heal end to end with soft-partition: four clients run SWIM, a partition between two pairs is
// seen (each side holds the other down), and when the links mend SWIM's partition event drives the Healer, whose
// observer layer cross-checks the heads of the log with the rejoined side. A forking observer, which showed each
// pair its own log, is caught and reported; an honest one is not. Which evidence a client holds first depends on
// the order heads arrive in: two heads of one size (a fork), or a head whose log lacks the client's receipted entry
// (an omission). Either proves the lie.
import { describe, expect, it } from 'vitest'
import { identityFromSeed, peerIdOfPublicKey, VerificationCache } from '@dscs/identity'
import { Simulation, type SimNode, type SimPeer } from '@dscs/netsim'
import { Healer, observerHealLayer, SoftPartitionService, type HealReport } from '@dscs/soft-partition'
import { forkingObserver } from './liars.js'
import { clientApp, observerApp } from './sim-apps.js'

const FORK = 2_000
const MEND = 40_000
// SWIM's identities: on libp2p a peer id is its key, so each client's simulated peer is named after its SWIM key.
const swimIdentities = Array.from({ length: 4 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)))
const ids = swimIdentities.map((identity) => peerIdOfPublicKey(identity.publicKey).toString())
const members = swimIdentities.map((identity, i) => ({ peer: ids[i]!, publicKey: identity.publicKey }))

function memberApp(peer: SimPeer, observer: string) {
  const client = clientApp(peer, observer, { pollInterval: 60_000 })
  const identity = swimIdentities[ids.indexOf(peer.id)]!
  const swim = new SoftPartitionService({ net: peer.net, identity, clock: peer.clock, timers: peer.timers, verificationCache: new VerificationCache() }, { members })
  const healer = new Healer()
  // A short settle: the other side's heads come over the topic within a few link latencies.
  healer.register(observerHealLayer({ crossCheck: () => client.service.crossCheck({ settleMs: 2_000 }) }))
  const heals: HealReport[] = []
  swim.onEvent((event) => {
    if (event.type === 'partition') void healer.onPartition(event).then((report) => report && heals.push(report))
  })
  swim.start()
  return { client, swim, heals }
}

async function splitAndMend(forking: boolean) {
  const sim = new Simulation({ seed: 12, link: { latencyMs: 20, jitterMs: 10 } })
  const groupA = new Set(ids.slice(0, 2))
  const observer = sim.addPeer((peer) => (forking ? forkingObserver(peer, groupA, FORK) : observerApp(peer)), { connect: 'none' })
  const clients: SimNode<ReturnType<typeof memberApp>>[] = ids.map((id) => sim.addPeer((peer) => memberApp(peer, observer.id), { id, connect: 'none' }))
  sim.connectAll([observer, ...clients])
  const [a1, a2, b1, b2] = clients as [(typeof clients)[number], ...(typeof clients)[number][]]
  // The pairs keep reaching the observer but lose each other.
  const cut = (loss: number) => () => {
    for (const a of [a1, a2!]) for (const b of [b1!, b2!]) sim.setLink(a, b, { loss })
  }
  sim.at(1_000, cut(1))
  for (const [at, who] of [[2_100, a1], [2_150, a2], [2_200, a1], [2_100, b2], [2_300, b1]] as const) sim.at(at, () => who!.app!.client.submit())
  sim.at(MEND, cut(0))
  const views: number[][] = []
  sim.at(MEND - 1, () => views.push(clients.map((client) => client.app!.swim.partition().component.length)))
  await sim.run({ until: MEND + 40_000 })
  return { clients, split: views[0]! }
}

describe('trust-observer heal through soft-partition', { timeout: 60_000 }, () => {
  it('catches a forking observer when SWIM sees the pairs rejoin: every client reports the evidence', async () => {
    const { clients, split } = await splitAndMend(true)
    expect(split).toEqual([2, 2, 2, 2])
    for (const client of clients) {
      const observerLayers = client.app!.heals.flatMap((heal) => heal.layers).filter((layer) => layer.layer === 'trust-observer')
      const caught = observerLayers.filter((layer) => layer.equivocation !== undefined)
      expect(caught.length).toBeGreaterThan(0)
      for (const layer of caught) expect(['fork', 'omission']).toContain(layer.equivocation)
      expect(caught.every((layer) => layer.diverged === 1)).toBe(true)
      expect(client.app!.swim.partition().component).toHaveLength(4)
    }
  })

  it('reports nothing diverged against an honest observer', async () => {
    const { clients, split } = await splitAndMend(false)
    expect(split).toEqual([2, 2, 2, 2])
    for (const client of clients) {
      const layers = client.app!.heals.flatMap((heal) => heal.layers).filter((layer) => layer.layer === 'trust-observer')
      expect(layers.length).toBeGreaterThan(0)
      expect(layers.every((layer) => layer.diverged === 0 && layer.equivocation === undefined)).toBe(true)
    }
  })
})
