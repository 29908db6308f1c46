import { describe, expect, it } from 'vitest'
import { Simulation } from '../src/index.js'
import { Recorder } from './helpers.js'

describe('hard partitions', () => {
  it('blocks traffic across groups, closes those connections, and heal restores them', async () => {
    const sim = new Simulation({ epochMs: 0, trace: 'entries' })
    const peers = sim.addPeers(4, (peer) => new Recorder(peer))
    const [a, b, c, d] = peers.map((p) => p)
    await sim.run()
    void a!.app!.send(c!.id, 'in flight') // sent at t=0, due at t=20
    sim.partition([
      [a!, b!],
      [c!, d!]
    ])
    expect(sim.canReach(a!, c!)).toBe(false)
    expect(sim.canReach(a!, b!)).toBe(true)
    expect(sim.isConnected(a!, c!)).toBe(false)
    expect([...a!.peer!.net.peers()]).toEqual([b!.id])
    await expect(a!.app!.send(c!.id, 'blocked')).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    void a!.app!.send(b!.id, 'same side')
    void a!.app!.publish('left news')
    await sim.run()
    expect(c!.app!.direct).toEqual([]) // the message in flight was lost with the connection
    expect(sim.stats.dropped.disconnected).toBe(1)
    expect(b!.app!.direct.map((m) => m.text)).toEqual(['same side'])
    expect(b!.app!.gossip.map((m) => m.text)).toEqual(['left news'])
    expect(c!.app!.gossip).toEqual([])
    expect(d!.app!.gossip).toEqual([])
    const disconnects = (r: Recorder): string[] => r.events.filter((e) => e.type === 'disconnect').map((e) => e.peer)
    expect(disconnects(a!.app!).sort()).toEqual([c!.id, d!.id])
    expect(disconnects(c!.app!).sort()).toEqual([a!.id, b!.id])
    expect(disconnects(b!.app!).sort()).toEqual([c!.id, d!.id])

    sim.heal()
    expect(sim.isConnected(a!, c!)).toBe(true)
    void a!.app!.send(c!.id, 'after heal')
    void d!.app!.publish('healed news')
    await sim.run()
    expect(c!.app!.direct.map((m) => m.text)).toEqual(['after heal'])
    for (const r of [a!, b!, c!]) expect(r.app!.gossip.map((m) => m.text)).toContain('healed news')
    expect(a!.app!.events.filter((e) => e.type === 'connect').map((e) => e.peer)).toEqual([b!.id, c!.id, d!.id, c!.id, d!.id])
    expect(sim.trace.filter((e) => e.kind === 'fault' && (e.detail === 'partition' || e.detail === 'heal')).map((e) => e.detail)).toEqual([
      'partition',
      'heal'
    ])
  })

  it('puts peers named in no group into one more group together', () => {
    const sim = new Simulation()
    const [a, b, c, d] = sim.addPeers(4, (peer) => peer)
    sim.partition([[a!]])
    expect(sim.canReach(a!, b!)).toBe(false)
    expect(sim.canReach(b!, c!)).toBe(true)
    expect(sim.canReach(c!, d!)).toBe(true)
    expect(() => sim.partition([[a!], [a!, b!]])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error)
    sim.partition([[a!, b!]]) // replaces the earlier partition
    expect(sim.canReach(a!, b!)).toBe(true)
    expect(sim.canReach(a!, c!)).toBe(false)
  })
})

describe('soft partitions', () => {
  it('asymmetric link: A hears B, B does not hear A, and the connection stays open', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    await sim.run()
    sim.cut(a!, b!, 'one-way') // what A sends no longer reaches B
    expect(sim.canReach(a!, b!)).toBe(false)
    expect(sim.canReach(b!, a!)).toBe(true)
    expect(sim.isConnected(a!, b!)).toBe(true)
    await a!.app!.send(b!.id, 'lost') // resolves: the sender cannot tell
    void a!.app!.publish('lost gossip')
    void b!.app!.send(a!.id, 'heard')
    void b!.app!.publish('heard gossip')
    await sim.run()
    expect(b!.app!.direct).toEqual([])
    expect(b!.app!.gossip).toEqual([])
    expect(a!.app!.direct.map((m) => m.text)).toEqual(['heard'])
    expect(a!.app!.gossip.map((m) => m.text)).toEqual(['heard gossip'])
    expect(sim.stats.dropped.unreachable).toBe(2)
    expect(a!.app!.events.map((e) => e.type)).toEqual(['connect']) // no disconnect
    expect(b!.app!.events.map((e) => e.type)).toEqual(['connect'])

    sim.mend(a!, b!, 'one-way')
    void a!.app!.send(b!.id, 'mended')
    await sim.run()
    expect(b!.app!.direct.map((m) => m.text)).toEqual(['mended'])
  })

  it('non-transitive reachability: A–B and B–C work, A–C does not; gossip still crosses via B', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [a, b, c] = sim.addPeers(3, (peer) => new Recorder(peer))
    await sim.run()
    sim.cut(a!, c!) // both ways
    expect(sim.isConnected(a!, c!)).toBe(false)
    expect(sim.isConnected(a!, b!)).toBe(true)
    expect(sim.isConnected(b!, c!)).toBe(true)
    await expect(a!.app!.send(c!.id, 'direct')).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    void a!.app!.publish('via b')
    await sim.run()
    expect(c!.app!.gossip).toEqual([{ from: b!.id, text: 'via b', at: 40 }]) // two hops of 20 ms
    expect(c!.app!.events.at(-1)).toEqual({ type: 'disconnect', peer: a!.id, at: 0 })
    expect(a!.app!.events.at(-1)).toEqual({ type: 'disconnect', peer: c!.id, at: 0 })
    sim.heal() // lifts cuts too
    expect(sim.isConnected(a!, c!)).toBe(true)
  })

  it('degraded links stay connected: high latency and high loss', async () => {
    const sim = new Simulation({ epochMs: 0, seed: 11 })
    const [a, b, c] = sim.addPeers(3, (peer) => new Recorder(peer))
    sim.setLink(a!, b!, { latencyMs: 800, loss: 0.5 })
    sim.setLink(a!, c!, { loss: 1 }) // a black hole: open, but nothing gets through
    for (let i = 0; i < 400; i++) sim.at(i, () => Promise.all([a!.app!.send(b!.id, String(i)), a!.app!.send(c!.id, String(i))]))
    await sim.run()
    expect(sim.isConnected(a!, b!)).toBe(true)
    expect(sim.isConnected(a!, c!)).toBe(true)
    expect(c!.app!.direct).toEqual([])
    const got = b!.app!.direct
    expect(got.length).toBeGreaterThan(150) // Binomial(400, 0.5): mean 200, sd 10
    expect(got.length).toBeLessThan(250)
    expect(got.every((m) => m.at - Number(m.text) === 800)).toBe(true)
    expect(b!.app!.events.map((e) => e.type)).toEqual(['connect', 'connect']) // from a and c; no disconnect
  })
})
