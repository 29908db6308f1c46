import type { MessageVerdict } from '@dscs/interface'
import { describe, expect, it } from 'vitest'
import { GOSSIP_REJECTED, Simulation, type SimNode } from '../src/index.js'
import { Recorder, TOPIC, enc } from './helpers.js'

/** A line a – b – c (a and c not connected). */
function line(): { sim: Simulation; a: SimNode<Recorder>; b: SimNode<Recorder>; c: SimNode<Recorder> } {
  const sim = new Simulation({ epochMs: 0 })
  const [a, b, c] = sim.addPeers(3, (peer) => new Recorder(peer), { connect: 'none' })
  sim.connect(a!, b!)
  sim.connect(b!, c!)
  return { sim, a: a!, b: b!, c: c! }
}

describe('gossip', () => {
  it('reaches every connected subscriber exactly once per message despite duplication and reordering', async () => {
    const sim = new Simulation({ seed: 5, epochMs: 0, link: { jitterMs: 15, duplicate: 0.5, reorder: 0.2 } })
    const peers = sim.addPeers(12, (peer) => new Recorder(peer))
    for (let m = 0; m < 20; m++) sim.at(m * 7, () => peers[m % 12]!.app!.publish(`m${m}`))
    await sim.run()
    for (const [i, node] of peers.entries()) {
      const heard = node.app!.gossip.map((g) => g.text).sort()
      const expected = Array.from({ length: 20 }, (_, m) => `m${m}`)
        .filter((_, m) => m % 12 !== i) // not its own
        .sort()
      expect(heard).toEqual(expected)
    }
    expect(sim.stats.duplicated).toBeGreaterThan(100) // duplication was really in play
    expect(sim.stats.dropped.seen).toBeGreaterThan(sim.stats.duplicated) // relays and copies were deduplicated
    expect(sim.stats.topicDelivered).toBe(20 * 11)
  })

  it('crosses a sparse random topology hop by hop, once per subscriber', async () => {
    const sim = new Simulation({ seed: 9, epochMs: 0, link: { jitterMs: 10, loss: 0 } })
    const peers = sim.addPeers(60, (peer) => new Recorder(peer), { connect: { degree: 4 } })
    void peers[0]!.app!.publish('far and wide')
    await sim.run()
    const receivers = peers.slice(1)
    expect(receivers.every((p) => p.app!.gossip.length === 1)).toBe(true)
    // Many peers are several hops away: delivery times spread over multiples of the 20 ms latency.
    const latest = Math.max(...receivers.map((p) => p.app!.gossip[0]!.at))
    expect(latest).toBeGreaterThanOrEqual(60)
    expect(receivers.some((p) => p.app!.gossip[0]!.from !== peers[0]!.id)).toBe(true)
  })

  it('relays only between subscribers: a non-subscriber in the middle does not forward', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const a = sim.addPeer((peer) => new Recorder(peer), { connect: 'none' })
    const b = sim.addPeer((peer) => new Recorder(peer, { subscribe: false }), { connect: 'none' })
    const c = sim.addPeer((peer) => new Recorder(peer), { connect: 'none' })
    sim.connect(a, b)
    sim.connect(b, c)
    void a.app!.publish('stops at b')
    await sim.run()
    expect(c.app!.gossip).toEqual([])
    expect(sim.stats.topicSent).toBe(0)
  })

  it('a rejected message is not relayed and penalises the peer that relayed it', async () => {
    const { sim, a, b, c } = line()
    b.app!.verdict = 'reject'
    void a.app!.publish('bad')
    await sim.run()
    expect(b.app!.gossip.map((g) => g.text)).toEqual(['bad'])
    expect(c.app!.gossip).toEqual([])
    expect(b.penalties.get(a.id)?.get(GOSSIP_REJECTED)).toBe(1)
    expect(sim.penaltiesAgainst(a)).toBe(1)
    expect(sim.stats.rejected).toBe(1)
    // The penalty falls on the relayer, not the author: c rejects what b relays from a.
    b.app!.verdict = 'accept'
    c.app!.verdict = 'reject'
    void a.app!.publish('bad again')
    await sim.run()
    expect(c.penalties.get(b.id)?.get(GOSSIP_REJECTED)).toBe(1)
    expect(c.penalties.has(a.id)).toBe(false)
    expect(sim.penaltiesAgainst(b)).toBe(1)
  })

  it('an ignored message is neither relayed nor penalised', async () => {
    const { sim, a, b, c } = line()
    b.app!.verdict = 'ignore'
    void a.app!.publish('meh')
    await sim.run()
    expect(b.app!.gossip).toHaveLength(1)
    expect(c.app!.gossip).toEqual([])
    expect(sim.stats.penalties).toBe(0)
  })

  it('honours verdicts that a handler resolves asynchronously', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [a, b, c] = sim.addPeers(3, (peer) => peer, { connect: 'none' })
    sim.connect(a!, b!)
    sim.connect(b!, c!)
    const heardByC: string[] = []
    const verdicts: Record<string, MessageVerdict> = { good: 'accept', bad: 'reject' }
    b!.app!.net.subscribe(TOPIC, async (m) => {
      const text = new TextDecoder().decode(m.bytes)
      await b!.app!.store.put(m.bytes, m.bytes) // real async work before deciding
      return verdicts[text]!
    })
    c!.app!.net.subscribe(TOPIC, (m) => {
      heardByC.push(new TextDecoder().decode(m.bytes))
      return 'accept'
    })
    a!.app!.net.subscribe(TOPIC, () => 'accept')
    void a!.app!.net.publish(TOPIC, enc('good'))
    void a!.app!.net.publish(TOPIC, enc('bad'))
    await sim.run()
    expect(heardByC).toEqual(['good'])
    expect(sim.penaltiesAgainst(a!)).toBe(1)
  })

  it('forgets the oldest message ids beyond the seen-cache bound', async () => {
    const sim = new Simulation({ epochMs: 0, seenCacheSize: 2 })
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    for (const text of ['one', 'two', 'three', 'one']) void a!.app!.publish(text)
    for (const text of ['three']) void a!.app!.publish(text) // still remembered: suppressed
    await sim.run()
    expect(b!.app!.gossip.map((g) => g.text)).toEqual(['one', 'two', 'three', 'one'])
    expect(sim.stats.dropped.seen).toBe(1)
  })

  it('fails the run when a topic handler returns something that is not a verdict', async () => {
    const sim = new Simulation()
    const [a, b] = sim.addPeers(2, (peer) => peer)
    b!.app!.net.subscribe(TOPIC, () => 'maybe' as MessageVerdict)
    void a!.app!.net.publish(TOPIC, enc('x'))
    await expect(sim.run()).rejects.toMatchObject({ code: 'HANDLER_FAILED', message: expect.stringContaining('maybe') as string })
  })
})
