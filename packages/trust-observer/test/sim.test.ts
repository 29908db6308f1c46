// The observer protocol on @dscs/netsim: an honest observer and its clients; a forking observer and a dropping one,
// caught by honest peers within one gossip round, with evidence any peer checks standalone.
import { describe, expect, it } from 'vitest'
import { Simulation, type SimNode } from '@dscs/netsim'
import { MemoryStore } from '@dscs/store'
import { bytesToHex } from '@noble/hashes/utils.js'
import { decodeEnvelope, envelopeHash } from '@dscs/wire'
import { StoreMerkleLog, verifyEvidence, type ObserverService } from '../src/index.js'
import { envelope, identity, OBSERVER } from './fixtures.js'
import { DroppingLog, forkingObserver } from './liars.js'
import { clientApp, observerApp, type ClientApp } from './sim-apps.js'

const LATENCY = 40
const JITTER = 10
const MAX_EVIDENCE_BYTES = 1 << 18

const idOf = (bytes: Uint8Array): string => bytesToHex(envelopeHash(decodeEnvelope(bytes)))

describe('the observer protocol in the simulator', () => {
  it('an honest observer: every submission receipted, proven included everywhere, no evidence', async () => {
    const sim = new Simulation({ seed: 3, link: { latencyMs: LATENCY, jitterMs: JITTER } })
    const [observer] = sim.addPeers(1, (peer) => observerApp(peer))
    const clients: SimNode<ClientApp>[] = sim.addPeers(4, (peer) => clientApp(peer, observer!.id))
    const ids = new Map<SimNode<ClientApp>, string[]>()
    for (let i = 0; i < 20; i++) {
      const client = clients[i % clients.length]!
      sim.at(500 + i * 37, () => ids.set(client, [...(ids.get(client) ?? []), idOf(client.app!.submit())]))
    }
    // Another client's op, watched by everyone as frp-state's trust policy would.
    sim.at(3_000, () => clients.forEach((c) => [...ids.values()].flat().forEach((id) => c.app!.service.watch(id))))
    await sim.run({ until: 8_000 })

    const size = observer!.app!.service.log.size
    expect(size).toBe(20)
    for (const client of clients) {
      const app = client.app!
      expect(app.outcomes.every((o) => o.index !== undefined)).toBe(true)
      expect(app.service.latest?.value.size).toBe(20)
      expect(app.service.evidence).toBeUndefined()
      for (const id of [...ids.values()].flat()) expect(app.service.includedAt(id)).toBeDefined()
      expect(app.ofType('equivocation')).toEqual([])
    }
  })

  it('an observer restarted on its store keeps its log, proves old entries by id, and answers a duplicate with the index it had', async () => {
    const sim = new Simulation({ seed: 4, link: { latencyMs: LATENCY, jitterMs: JITTER } })
    const [observer] = sim.addPeers(1, (peer) => observerApp(peer))
    const [client, watcher] = sim.addPeers(2, (peer) => clientApp(peer, observer!.id))
    let first: Uint8Array | undefined
    sim.at(500, () => client!.app!.submit())
    sim.at(600, () => (first = client!.app!.submit()))
    sim.at(700, () => client!.app!.submit())
    sim.at(1_500, () => sim.crash(observer!))
    sim.at(2_000, () => sim.restart(observer!))
    sim.at(2_500, () => void client!.app!.service.submit(first!).then((receipt) => (again = receipt.index)))
    sim.at(2_600, () => watcher!.app!.service.watch(idOf(first!)))
    let again: number | undefined
    await sim.run({ until: 5_000 })

    expect(observer!.app!.service.log.size).toBe(3)
    expect(client!.app!.outcomes.map((o) => o.index)).toEqual([0, 1, 2])
    expect(again).toBe(1)
    // Proven by id from the entry index in the store, after the restart.
    expect(watcher!.app!.service.includedAt(idOf(first!))).toBe(1)
    expect(client!.app!.service.evidence).toBeUndefined()
  })

  it('a forking observer is caught by honest peers within one gossip round; the evidence verifies standalone', async () => {
    const sim = new Simulation({ seed: 5, link: { latencyMs: LATENCY, jitterMs: JITTER } })
    const FORK = 2_000
    const groupA = new Set(['peer-1', 'peer-2'])
    const [liar] = sim.addPeers(1, (peer) => forkingObserver(peer, groupA, FORK))
    const clients: SimNode<ClientApp>[] = sim.addPeers(4, (peer) => clientApp(peer, liar!.id))
    const [a1, a2, b1, b2] = clients
    // Before the fork both groups see one log; after it, A logs three entries and B one, each on its own branch.
    sim.at(500, () => a1!.app!.submit())
    sim.at(600, () => b1!.app!.submit())
    for (const [at, who] of [[2_100, a1], [2_150, a2], [2_200, a1], [2_100, b2]] as const) sim.at(at, () => who!.app!.submit())
    await sim.run({ until: 10_000 })

    const [branchA, branchB] = liar!.app!.branches
    expect(branchA!.service.log.size).toBe(5)
    expect(branchB!.service.log.size).toBe(3)
    // The moment the two histories first met: the first head of one branch gossiped where the other is known.
    const firstCross = Math.min(...clients.flatMap((c) => c.app!.ofType('head').filter(({ event }) => event.head.value.size > 2).map(({ at }) => at)))
    for (const client of clients) {
      const [caught] = client.app!.ofType('equivocation')
      expect(caught, `${client.id} caught the observer`).toBeDefined()
      // One gossip round: a head crosses to the other group, one consistency round trip, the evidence gossiped back.
      expect(caught!.at - firstCross).toBeLessThan(6 * (LATENCY + JITTER))
      expect(client.app!.service.evidence).toBeDefined()
      // Nothing the observer says is taken any more: a new submission is refused at once.
      await expect(client.app!.service.submit(envelope(identity(client.id), sim.now + 1_700_000_000_000))).rejects.toMatchObject({ code: 'UNTRUSTED' })
    }
    const detected = clients.flatMap((c) => c.app!.ofType('equivocation')).filter(({ event }) => event.source.detected)
    expect(detected.length).toBeGreaterThan(0)
    // Standalone: nothing but the evidence bytes and the observer's key.
    const verified = verifyEvidence(detected[0]!.event.evidence.bytes, { observer: OBSERVER.publicKey, maxBytes: MAX_EVIDENCE_BYTES })
    expect(verified.kind).toBe('fork')
    expect(verified.observer).toEqual(OBSERVER.publicKey)
  })

  it('an observer that drops a receipted entry is caught by its submitter at the next head, and by every peer one gossip round later', async () => {
    const sim = new Simulation({ seed: 9, link: { latencyMs: LATENCY, jitterMs: JITTER } })
    let victim: Uint8Array | undefined
    let log: DroppingLog | undefined
    const filler = envelope(identity('mallory'), 1_700_000_000_000)
    // An honest observer service on a log that drops the victim: it opens its log first, then starts.
    const [dropper] = sim.addPeers(1, (peer) => {
      const app = { service: undefined as ObserverService | undefined }
      void StoreMerkleLog.open(new MemoryStore()).then((inner) => {
        log = new DroppingLog(inner, (entry) => victim !== undefined && sameBytes(entry, victim), filler)
        app.service = observerApp(peer, { log }).service
      })
      return app
    })
    const clients: SimNode<ClientApp>[] = sim.addPeers(4, (peer) => clientApp(peer, dropper!.id))
    const [submitter, ...others] = clients
    sim.at(500, () => others[0]!.app!.submit())
    sim.at(1_000, () => (victim = submitter!.app!.submit()))
    sim.at(1_500, () => others[1]!.app!.submit())
    await sim.run({ until: 6_000 })

    expect(log!.dropped).toBe(1)
    expect(submitter!.app!.outcomes[0]).toMatchObject({ index: 1 })
    const [own] = submitter!.app!.ofType('omission')
    expect(own?.event.source.detected).toBe(true)
    for (const other of others) {
      const [heard] = other.app!.ofType('omission')
      expect(heard, `${other.id} learnt of the omission`).toBeDefined()
      expect(heard!.at - own!.at).toBeLessThan(2 * (LATENCY + JITTER))
    }
    const verified = verifyEvidence(own!.event.evidence.bytes, { maxBytes: MAX_EVIDENCE_BYTES })
    expect(verified).toMatchObject({ kind: 'omission', at: 1 })
    expect(bytesToHex(verified.entryId!)).toBe(idOf(victim!))
  })
})

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}
