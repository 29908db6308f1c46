// The failure detector in the deterministic simulator of @dscs/netsim: crashes, refutation, loss, a slow node, soft partitions.
import { describe, expect, it } from 'vitest'
import { signEnvelope } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, encodePayload } from '@dscs/wire'
import { MESSAGE_TYPES, PROTOCOL_ID, SwimPayload, signSuspicion } from '../src/index.js'
import { cluster, identityOf } from './cluster.js'

const PERIOD = 1_000

// Simulations of hundreds of periods: seconds each, more on a loaded machine.
describe('SWIM on netsim', { timeout: 60_000 }, () => {
  it('detects a crashed member: suspected within a few periods, then declared down by every other member', async () => {
    const { sim, nodes } = cluster({ seed: 1, size: 10 })
    const victim = nodes[3]!
    sim.at(5_000, () => sim.crash(victim))
    await sim.run({ until: 30_000 })
    const downs = nodes.filter((node) => node !== victim).map((node) => node.app!.about('member-down', victim.id)[0]?.at)
    expect(downs.every((at) => at !== undefined)).toBe(true)
    const suspected = Math.min(...nodes.filter((node) => node !== victim).flatMap((node) => node.app!.about('member-suspect', victim.id).map(({ at }) => at)))
    expect(suspected - 5_000).toBeLessThanOrEqual(6 * PERIOD)
    // The shortest suspicion at 10 members: 4·log10(10) periods; the longest three times that.
    expect(Math.max(...(downs as number[])) - suspected).toBeLessThanOrEqual(12 * PERIOD + PERIOD)
    // Nobody else was ever declared down.
    const wrongDowns = nodes.filter((node) => node !== victim).flatMap((node) => node.app!.events.filter(({ event }) => event.type === 'member-down' && event.peer !== victim.id))
    expect(wrongDowns).toEqual([])
  })

  it('takes a restarted member back at its new incarnation', async () => {
    const { sim, nodes } = cluster({ seed: 2, size: 6 })
    const victim = nodes[2]!
    sim.at(3_000, () => sim.crash(victim))
    sim.at(15_000, () => {
      sim.restart(victim)
      // A crash closes the peer's connections; the restarted one dials its members again.
      for (const node of nodes) if (node !== victim && !sim.isConnected(node, victim)) sim.connect(victim, node)
    })
    await sim.run({ until: 30_000 })
    for (const node of nodes.filter((n) => n !== victim)) {
      // Down, or still suspected when it came back: never declared down twice.
      expect(node.app!.about('member-down', victim.id).length).toBeLessThanOrEqual(1)
      expect(node.app!.about('member-suspect', victim.id)).toHaveLength(1)
      expect(node.app!.core.members().find((m) => m.peer === victim.id)).toMatchObject({ state: 'alive', incarnation: 15 })
    }
  })

  it('lets a suspected member refute: it raises its incarnation and nobody declares it down', async () => {
    const { sim, nodes } = cluster({ seed: 3, size: 8 })
    const [accuser, accused] = [nodes[1]!, nodes[2]!]
    // A suspicion of peer-2 from peer-1, signed by peer-1, as a probe failure of its own would gossip it.
    const suspicion = signSuspicion(identityOf(1), accuser.id, accused.id, identityOf(2).publicKey, 0)
    sim.at(2_500, () => {
      const payload = encodePayload(SwimPayload, { type: MESSAGE_TYPES.ping, seq: 1, target: '', updates: [suspicion] })
      const envelope = createEnvelope({ kind: SwimPayload.name, payload, author: identityOf(1).publicKey, timestamp: Math.floor(accuser.peer!.clock.now()) })
      void accuser.peer!.net.send(nodes[4]!.id, PROTOCOL_ID, encodeEnvelope(signEnvelope(identityOf(1), envelope)))
    })
    await sim.run({ until: 20_000 })
    expect(nodes[4]!.app!.about('member-suspect', accused.id)).toHaveLength(1)
    expect(accused.app!.events.some(({ event }) => event.type === 'refuted')).toBe(true)
    for (const node of nodes.filter((n) => n !== accused)) {
      expect(node.app!.about('member-down', accused.id)).toEqual([])
      expect(node.app!.core.members().find((m) => m.peer === accused.id)).toMatchObject({ state: 'alive', incarnation: 1 })
    }
  })

  it('declares nobody down under 5% loss on every link', async () => {
    const { sim, nodes } = cluster({ seed: 4, size: 10, link: { loss: 0.05 } })
    await sim.run({ until: 300 * PERIOD })
    expect(nodes.flatMap((node) => node.app!.events.filter(({ event }) => event.type === 'member-down'))).toEqual([])
  })

  it('classifies a one-way cut as asymmetric, a two-way cut as indirect (non-transitive), a lossy or slow link as degraded, and suspects no one', async () => {
    const { sim, nodes } = cluster({ seed: 5, size: 10 })
    const [a, b, c, d, e, f, g, h] = nodes.map((node) => node.id)
    sim.cut(a!, b!, 'one-way')
    sim.cut(c!, d!)
    sim.setLink(e!, f!, { loss: 0.2 })
    sim.setLink(g!, h!, { latencyMs: 120 })
    await sim.run({ until: 200 * PERIOD })
    const view = (from: number, to: string) => nodes[from]!.app!.core.link(to)
    expect(view(0, b!).class).toBe('asymmetric')
    expect(view(1, a!).class).toBe('indirect')
    expect(view(2, d!)).toMatchObject({ class: 'indirect' })
    expect(view(2, d!).via).toBeDefined()
    expect(view(3, c!).class).toBe('indirect')
    expect(view(4, f!).class).toBe('degraded')
    expect(view(6, h!).class).toBe('degraded')
    expect(view(0, c!).class).toBe('ok')
    expect(nodes.flatMap((node) => node.app!.events.filter(({ event }) => event.type === 'member-down'))).toEqual([])
  })

  it('relays data across a non-transitive link: A reaches C through a member that reaches both, and each end reports it', async () => {
    const { sim, nodes } = cluster({ seed: 7, size: 6 })
    const [a, c] = [nodes[0]!, nodes[2]!]
    sim.cut(a, c)
    const sent: { via: string | undefined; at: number }[] = []
    // Long enough for a's direct probes of c to fail six times in a row while relays reach it.
    sim.at(60 * PERIOD, () => {
      const { via, effects } = a.app!.core.send(c.id, new TextEncoder().encode('over the cut'), a.peer!.clock.now())
      sent.push({ via, at: sim.now })
      for (const effect of effects) if (effect.type === 'send') void a.peer!.net.send(effect.to, PROTOCOL_ID, effect.bytes)
    })
    await sim.run({ until: 62 * PERIOD })
    expect(a.app!.core.link(c.id)).toMatchObject({ class: 'indirect' })
    const via = sent[0]!.via
    expect(via).toBeDefined()
    expect(via).not.toBe(c.id)
    const received = c.app!.events.filter(({ event }) => event.type === 'message').map(({ event }) => event)
    expect(received).toEqual([{ type: 'message', from: a.id, via, data: new TextEncoder().encode('over the cut') }])
    const relay = nodes.find((node) => node.id === via)!
    expect(relay.app!.events.filter(({ event }) => event.type === 'relayed').map(({ event }) => event)).toEqual([{ type: 'relayed', from: a.id, to: c.id }])
    // Over a working link the same call sends directly.
    const direct = a.app!.core.send(nodes[1]!.id, new Uint8Array([1]), a.peer!.clock.now())
    expect(direct.via).toBeUndefined()
    expect(direct.effects).toMatchObject([{ type: 'send', to: nodes[1]!.id }])
  })

  it('with Lifeguard, a slow member stretches its timeouts and accuses healthy members far less', async () => {
    async function accusations(lifeguard: boolean): Promise<number> {
      const { sim, nodes } = cluster({ seed: 6, size: 10, swim: { lifeguard } })
      // Every link of peer-0 takes 550 ms each way: its round trips outlast the probe timeout and the period.
      for (const node of nodes.slice(1)) sim.setLink(nodes[0]!, node, { latencyMs: 550, jitterMs: 0 })
      await sim.run({ until: 120 * PERIOD })
      return nodes[0]!.app!.events.filter(({ event }) => event.type === 'member-suspect').length
    }
    const withLifeguard = await accusations(true)
    const without = await accusations(false)
    expect(withLifeguard).toBeLessThan(without / 2)
  })

  it('spreads a member that joins through one node to every member, and every member to it', async () => {
    const { sim, nodes, join } = cluster({ seed: 8, size: 8 })
    await sim.run({ until: 20 * PERIOD })
    // Long after the members' own announcements ran out of retransmits; the joiner is connected to peer-0 alone.
    const joiner = join(nodes[0]!)
    await sim.run({ until: 80 * PERIOD })
    // Every view holds the joiner, and the joiner's holds every member. (Whether each is up there is another matter: with
    // no connection but to peer-0, the others reach the joiner only through peer-0, and it reaches them only through it.)
    const joined = (node: (typeof nodes)[number], peer: string) => node.app!.about('member-joined', peer).length
    expect(nodes.map((node) => [node.id, joined(node, joiner.id)])).toEqual(nodes.map((node) => [node.id, 1]))
    expect(nodes.map((node) => [node.id, joined(joiner, node.id)])).toEqual(nodes.map((node) => [node.id, 1]))
    // Peer-0 heard the joiner itself; the others knew it by gossip alone and counted it once a probe through peer-0 reached it.
    const reached = (node: (typeof nodes)[number]) => node.app!.about('member-reached', joiner.id).length > 0
    expect(nodes.map(reached)).toEqual(nodes.map((_, i) => i !== 0))
  })

  it('is deterministic: one seed, one trace', async () => {
    const run = async (seed: number) => {
      const { sim } = cluster({ seed, size: 5 })
      await sim.run({ until: 10_000 })
      return sim.traceHash()
    }
    expect(await run(9)).toBe(await run(9))
  })
})
