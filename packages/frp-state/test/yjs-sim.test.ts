// YDocSyncCore on simulated peers of @dscs/netsim, run by YDocSyncDriver (CoreDriver underneath) and persisted by
// YUpdateLog on each peer's store: concurrent edits on both sides of a partition merge when it heals, and a peer
// that crashes comes back with its acknowledged edits and catches up.
import { describe, expect, it } from 'vitest'
import { identityFromSeed } from '@dscs/identity'
import { Simulation, type SimNode, type SimPeer } from '@dscs/netsim'
import * as Y from 'yjs'
import { YDocSyncCore, YDocSyncDriver, YUpdateLog, type YjsEvent } from '../src/yjs/index.js'

const DOC = { domain: 'notes', name: 'shared' }

/** One simulated peer's application: a doc restored from the peer's store, kept in sync on its Net. */
class YjsSimApp {
  readonly doc = new Y.Doc()
  readonly events: YjsEvent[] = []
  readonly #peer: SimPeer
  log: YUpdateLog | undefined

  constructor(peer: SimPeer) {
    this.#peer = peer
    // Every draw from the peer's seeded stream, so one seed gives one run.
    this.doc.clientID = peer.random.nextUint32()
    const identity = identityFromSeed(new Uint8Array(32).map(() => peer.random.int(256)))
    const core = new YDocSyncCore({ identity, domain: DOC.domain })
    const driver = new YDocSyncDriver({ core, net: peer.net, clock: peer.clock, timers: peer.timers, onEvent: (event) => this.events.push(event) })
    driver.addDoc(DOC.name, this.doc)
    // Sync starts once the stored state is back, so the first step 1 already holds it.
    void YUpdateLog.open(peer.store, this.doc, DOC).then((log) => {
      this.log = log
      driver.start()
    })
  }

  /** Types `text` at a random place in the shared text. */
  type(text: string): void {
    const shared = this.doc.getText('text')
    shared.insert(this.#peer.random.int(shared.length + 1), text)
  }
}

const contentOf = (node: SimNode<YjsSimApp>) => {
  const doc = node.app!.doc
  return { text: doc.getText('text').toJSON(), tags: doc.getMap('tags').toJSON(), state: Y.encodeStateVector(doc) }
}

async function partitionScenario(seed: number) {
  const sim = new Simulation({ seed, link: { latencyMs: 30, jitterMs: 10 } })
  const peers = sim.addPeers(5, (peer) => new YjsSimApp(peer), { connect: 'all' })
  const [p0, p1, p2, p3, p4] = peers as [SimNode<YjsSimApp>, ...SimNode<YjsSimApp>[]]
  const during: Record<string, ReturnType<typeof contentOf>[]> = {}

  sim.at(100, () => peers.forEach((node, i) => node.app!.type(`<${i}>`)))
  sim.at(1_000, () => sim.partition([[p0, p1!], [p2!, p3!, p4!]]))
  sim.at(1_500, () => {
    p0.app!.type('<left>')
    p1!.app!.doc.getMap('tags').set('side', 'left')
    p3!.app!.type('<right>')
    p4!.app!.doc.getMap('tags').set('side', 'right') // the same key on both sides: one value wins everywhere
    p2!.app!.doc.getText('text').delete(0, 3)
  })
  sim.at(2_500, () => (during.partitioned = peers.map(contentOf)))
  sim.at(3_000, () => sim.crash(p4!))
  sim.at(3_500, () => sim.restart(p4!))
  sim.at(4_000, () => (during.restarted = [contentOf(p4!)]))
  sim.at(5_000, () => sim.heal())
  await sim.run({ until: 10_000 })
  return { sim, peers, during, trace: sim.traceHash() }
}

describe('YDocSyncCore in the simulator', () => {
  it('merges concurrent edits made on both sides of a partition once it heals', async () => {
    const { sim, peers, during } = await partitionScenario(1)
    const [left, , right] = during.partitioned!
    // While partitioned, each side agreed within itself and not with the other.
    expect(during.partitioned![1]).toEqual(left)
    expect(during.partitioned![3]).toEqual(right)
    expect(during.partitioned![4]).toEqual(right)
    expect(right!.text).not.toEqual(left!.text)
    expect(left!.text).toContain('<left>')
    expect(right!.text).toContain('<right>')

    // After the heal, every peer holds the same document, with every edit of both sides.
    const final = peers.map(contentOf)
    for (const content of final) expect(content).toEqual(final[0])
    expect(final[0]!.text).toContain('<left>')
    expect(final[0]!.text).toContain('<right>')
    expect(final[0]!.text).toHaveLength('<0><1><2><3><4><left><right>'.length - 3)
    expect(['left', 'right']).toContain(final[0]!.tags.side)
    expect(sim.stats.penalties).toBe(0)
  })

  it('brings a crashed peer back with its stored edits, and it catches up', async () => {
    const { peers, during } = await partitionScenario(1)
    const [, , , p3, p4] = peers
    // Restored from its store at restart, inside the partition: its own side's state, nothing lost.
    expect(during.restarted![0]!.text).toBe(during.partitioned![4]!.text)
    expect(p4!.incarnation).toBe(1)
    expect(contentOf(p4!)).toEqual(contentOf(p3!))
    expect(p4!.app!.events).toContainEqual(expect.objectContaining({ type: 'synced', doc: DOC.name, peer: p3!.id }))
  })

  it('is deterministic: one seed, one trace', async () => {
    const first = await partitionScenario(7)
    const again = await partitionScenario(7)
    expect(again.trace).toBe(first.trace)
    expect(again.peers.map(contentOf)).toEqual(first.peers.map(contentOf))
    expect((await partitionScenario(8)).trace).not.toBe(first.trace)
  })
})
