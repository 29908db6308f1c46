// The one way a member of the other side comes back to life in a view during a hard split: an alive update it signed
// before the split (its refutation of a suspicion), still passed on by a peer on this side after this node held it
// down at the lower incarnation. SWIM takes an alive update at a higher incarnation over "down" (that is how a healed
// member rejoins by gossip), but the view counts the member in the component only once this node hears from it: the
// minority stays a minority, and `locked` keeps refusing.
import { describe, expect, it } from 'vitest'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { MESSAGE_TYPES, PROTOCOL_ID, SwimPayload, signAlive, type PartitionState } from '../src/index.js'
import { cluster, identityOf } from './cluster.js'

describe('a hard split', () => {
  it('does not count a member of the other side revived by an alive update it signed before the split', async () => {
    const { sim, nodes } = cluster({ seed: 3, size: 5 })
    const [x, , , y, z] = nodes as [(typeof nodes)[number], ...(typeof nodes)[number][]]
    // The refutation peer-0 makes when it hears a suspicion of itself at incarnation 0: made just before the split,
    // and (in this test) heard on the minority's side by peer-3 alone, which passes it on late.
    const refutation = signAlive(identityOf(0), x.id, 1)
    sim.at(3_000, () => sim.partition([nodes.slice(0, 3), nodes.slice(3)]))
    const views: PartitionState[] = []
    sim.at(30_000, () => {
      views.push(z!.app!.core.partition())
      const now = y!.peer!.clock.now()
      const payload = encodePayload(SwimPayload, { type: MESSAGE_TYPES.ping, seq: 1, target: '', updates: [refutation] })
      const bytes = encodeEnvelope(signEnvelope(identityOf(3), createEnvelope({ kind: SwimPayload.name, payload, author: identityOf(3).publicKey, timestamp: now })))
      void y!.peer!.net.send(z!.id, PROTOCOL_ID, bytes)
    })
    sim.at(31_000, () => views.push(z!.app!.core.partition()))
    const heal = 72_000
    sim.at(heal, () => sim.heal())
    await sim.run({ until: 70_000 })
    const [before, revived] = views
    const minority = [y!.id, z!.id].sort()
    expect(before).toMatchObject({ component: minority, majority: false })
    // Alive again in peer-4's membership, but unheard from: not in the component, which stays two of five.
    expect(z!.app!.about('member-alive', x.id).some((e) => e.at >= 30_000 && e.at < 31_000)).toBe(true)
    expect(revived).toMatchObject({ component: minority, unreached: [x.id], majority: false })
    expect(z!.app!.events.filter((e) => e.event.type === 'partition' && e.at >= 30_000 && e.at < heal)).toEqual([])
    // Probed, suspected, down again at the new incarnation.
    const downs = z!.app!.about('member-down', x.id)
    expect(downs.at(-1)).toMatchObject({ event: { incarnation: 1 } })
    expect(downs.at(-1)!.at).toBeGreaterThan(31_000)
    expect(z!.app!.core.partition()).toMatchObject({ component: minority, unreached: [], majority: false })
    // After the heal the member refutes, is heard from, and counts again.
    await sim.run({ until: heal + 30_000 })
    expect(z!.app!.about('member-alive', x.id).at(-1)!.at).toBeGreaterThan(heal)
    expect(z!.app!.core.partition()).toMatchObject({ component: nodes.map((n) => n.id).sort(), unreached: [], majority: true })
  })
})
