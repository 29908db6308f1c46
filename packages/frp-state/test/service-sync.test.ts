// FrpStateService.sync after a partition: with the periodic anti-entropy and Yjs resync far off, the call each side's
// heal makes brings both sides' ops and document edits together.
import { identityFromSeed, VerificationCache } from '@dscs/identity'
import { Simulation, type SimPeer } from '@dscs/netsim'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { FrpStateService } from '../src/service.js'
import { StateGraph, jsonCodec, type SyncReport } from '../src/index.js'

interface Note {
  readonly key: string
  readonly value: number
}
const isNote = (v: unknown): v is Note => typeof (v as Note)?.key === 'string' && Number.isSafeInteger((v as Note).value)
const HOUR = 3_600_000

function app(peer: SimPeer, index: number) {
  const graph = new StateGraph<Note>()
  const notes = graph.reducer<number>({ name: 'notes', key: (op) => op.payload.key, reduce: (_, op) => op.payload.value, initial: 0 })
  const doc = new Y.Doc()
  const service = new FrpStateService<Note>(
    { net: peer.net, identity: identityFromSeed(new Uint8Array(32).fill(index + 1)), clock: peer.clock, timers: peer.timers, verificationCache: new VerificationCache() },
    // Periodic reconciliation an hour apart: within the test only sync() reconciles.
    { graph, codec: jsonCodec(isNote), horizon: HOUR, syncInterval: HOUR, docs: { text: doc } }
  )
  void service.start().then(() => service.afterStart())
  return { graph, notes, doc, service }
}

describe('FrpStateService.sync', () => {
  it('reconciles ops and Y.Doc edits made on both sides of a partition', async () => {
    const sim = new Simulation({ seed: 5, link: { latencyMs: 20, jitterMs: 5 } })
    const [a, b] = sim.addPeers(2, (peer) => app(peer, Number(peer.id.replace(/\D/g, ''))), { connect: 'all' })
    // Every message lost, the connection kept: a soft partition, so no reconnection starts a sync of its own.
    sim.at(500, () => sim.setLink(a!, b!, { loss: 1 }))
    sim.at(1_000, () => {
      for (let i = 1; i <= 7; i++) void a!.app!.service.submit({ key: 'a', value: i })
      for (let i = 1; i <= 5; i++) void b!.app!.service.submit({ key: 'b', value: i * 2 })
      a!.app!.doc.getText('t').insert(0, 'from a. ')
      b!.app!.doc.getText('t').insert(0, 'from b. ')
    })
    sim.at(2_000, () => sim.setLink(a!, b!, { loss: 0 }))
    const beforeSync: number[] = []
    const reports: SyncReport[] = []
    sim.at(4_000, () => {
      beforeSync.push(a!.app!.graph.get('confirmed', a!.app!.notes, 'b'), b!.app!.graph.get('confirmed', b!.app!.notes, 'a'))
      void a!.app!.service.sync(b!.id).then((report) => reports.push(report))
    })
    // Anti-entropy runs both ways from one call; a Y.Doc state vector asks only for what its sender lacks.
    const afterOneSync: string[] = []
    sim.at(6_000, () => {
      afterOneSync.push(a!.app!.doc.getText('t').toJSON())
      void b!.app!.service.sync(a!.id).then((report) => reports.push(report))
    })
    await sim.run({ until: 10_000 })
    // What crossed, counted by the node that asked: a's 7 ops went out, b's 5 came in, and b's edit; b's own sync later
    // found no op diverged, only a's edit, which a's state vector could not bring it.
    expect(reports).toEqual([
      { peer: b!.id, received: 5, sent: 7, docsUpdated: 1, docsUnanswered: [] },
      { peer: a!.id, received: 0, sent: 0, docsUpdated: 1, docsUnanswered: [] }
    ])
    // Healed but not yet synced: neither side had the other's op.
    expect(beforeSync).toEqual([0, 0])
    expect(afterOneSync[0]).toContain('from b.')
    for (const node of [a!, b!]) {
      expect(node.app!.graph.get('confirmed', node.app!.notes, 'a')).toBe(7)
      expect(node.app!.graph.get('confirmed', node.app!.notes, 'b')).toBe(10)
    }
    expect(a!.app!.doc.getText('t').toJSON()).toBe(b!.app!.doc.getText('t').toJSON())
    expect(a!.app!.doc.getText('t').toJSON()).toContain('from a.')
    expect(a!.app!.doc.getText('t').toJSON()).toContain('from b.')
  })

  it('reports nothing diverged when both sides hold the same, and fails with SYNC_TIMEOUT when the peer is silent', async () => {
    const sim = new Simulation({ seed: 6, link: { latencyMs: 20, jitterMs: 5 } })
    const [a, b] = sim.addPeers(2, (peer) => app(peer, Number(peer.id.replace(/\D/g, ''))), { connect: 'all' })
    sim.at(500, () => void a!.app!.service.submit({ key: 'a', value: 1 }))
    const outcomes: unknown[] = []
    sim.at(3_000, () => void a!.app!.service.sync(b!.id).then((report) => outcomes.push(report)))
    // Cut off for good: the session hears nothing for the sync timeout (30 s by default) and fails.
    sim.at(5_000, () => {
      sim.setLink(a!, b!, { loss: 1 })
      a!.app!.service.sync(b!.id).then((report) => outcomes.push(report), (err: unknown) => outcomes.push(err))
    })
    await sim.run({ until: 40_000 })
    expect(outcomes).toEqual([
      { peer: b!.id, received: 0, sent: 0, docsUpdated: 0, docsUnanswered: [] },
      expect.objectContaining({ code: 'SYNC_TIMEOUT' })
    ])
  })

  it('fails with NOT_RUNNING before the service started', async () => {
    const sim = new Simulation({ seed: 1 })
    const [peer] = sim.addPeers(1, (p) => p)
    const service = new FrpStateService<Note>(
      { net: peer!.app!.net, identity: identityFromSeed(new Uint8Array(32).fill(1)), clock: peer!.app!.clock, timers: peer!.app!.timers },
      { graph: new StateGraph<Note>(), codec: jsonCodec(isNote) }
    )
    await expect(service.sync('peer-9')).rejects.toMatchObject({ code: 'NOT_RUNNING' })
  })
})
