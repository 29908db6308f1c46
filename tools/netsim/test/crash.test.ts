import { describe, expect, it } from 'vitest'
import { Simulation, type SimPeer } from '../src/index.js'
import { PROTO, Recorder, TOPIC, enc } from './helpers.js'

const KEY = enc('count')

/** Counts messages durably in its store, and ticks in memory. */
class Counter {
  readonly peer: SimPeer
  count = 0
  ticks = 0
  readonly loaded: Promise<void>

  constructor(peer: SimPeer) {
    this.peer = peer
    this.loaded = (async () => {
      const stored = await peer.store.get(KEY)
      this.count = stored === undefined ? 0 : stored[0]!
    })()
    peer.net.handle(PROTO, async () => {
      await this.loaded
      this.count++
      await peer.store.put(KEY, new Uint8Array([this.count]))
    })
    peer.net.subscribe(TOPIC, () => 'accept')
    peer.setInterval(100, () => this.ticks++)
  }
}

describe('crash and restart', () => {
  it('a crash drops the application, handlers, timers, in-flight messages and connections', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [sender] = sim.addPeers(1, (peer) => new Recorder(peer))
    const [victim] = sim.addPeers(1, (peer) => new Counter(peer))
    await sim.run({ until: 250 })
    expect(victim!.app!.ticks).toBe(2)
    const oldApp = victim!.app!
    const oldPeer = victim!.peer!

    void sender!.app!.send(victim!.id, 'in flight') // due at 270
    sim.at(260, () => sim.crash(victim!))
    await sim.run({ until: 1000 })

    expect(victim!.alive).toBe(false)
    expect(victim!.app).toBeUndefined()
    expect(victim!.peer).toBeUndefined()
    expect(oldApp.ticks).toBe(2) // its interval died with it
    expect(oldApp.count).toBe(0) // the in-flight message never reached it
    expect(sim.stats.dropped.crashed).toBe(1)
    expect(sender!.app!.events.at(-1)).toEqual({ type: 'disconnect', peer: victim!.id, at: 260 })
    expect(sender!.peer!.net.peers()).toEqual([])
    await expect(sender!.app!.send(victim!.id, 'x')).rejects.toMatchObject({ code: 'NOT_CONNECTED' })

    // The dead incarnation's Net, timers and handlers are inert.
    expect(oldPeer.alive).toBe(false)
    expect(oldPeer.net.peers()).toEqual([])
    await expect(oldPeer.net.send(sender!.id, PROTO, enc('zombie'))).resolves.toBeUndefined()
    oldPeer.net.handle('/dscs/zombie/1.0.0', () => {})
    oldPeer.setTimer(1, () => {
      throw new Error('must not run')
    })
    await sim.run({ until: 2000 })
    expect(sender!.app!.direct).toEqual([])
    expect(() => sim.crash(victim!)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }) as Error)
  })

  it('restart re-creates the application with the same id, a new incarnation and the persisted store', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [sender] = sim.addPeers(1, (peer) => new Recorder(peer))
    const [node] = sim.addPeers(1, (peer) => new Counter(peer))
    for (let i = 0; i < 3; i++) void sender!.app!.send(node!.id, 'count me')
    await sim.run({ until: 500 })
    expect(node!.app!.count).toBe(3)
    expect(node!.store.size).toBe(1)

    sim.at(600, () => sim.crash(node!))
    sim.at(900, () => sim.restart(node!))
    sim.at(1000, () => sender!.app!.send(node!.id, 'after restart'))
    await sim.run({ until: 1500 })

    expect(node!.alive).toBe(true)
    expect(node!.incarnation).toBe(1)
    expect(node!.peer!.incarnation).toBe(1)
    expect(node!.peer!.id).toBe(node!.id)
    expect(node!.app!.count).toBe(4) // 3 from the store + 1 new
    expect((await node!.store.get(KEY))?.[0]).toBe(4)
    expect(node!.app!.ticks).toBe(6) // a new interval since 900: 1000 … 1500
    expect(sender!.app!.events.map((e) => [e.type, e.at])).toEqual([
      ['connect', 0],
      ['disconnect', 600],
      ['connect', 900]
    ])
    expect(node!.peer!.net.peers()).toEqual([sender!.id])
    expect(sim.stats).toMatchObject({ crashes: 1, restarts: 1 })
    expect(() => sim.restart(node!)).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }) as Error)
  })

  it('gives the new incarnation connect events, a fresh seen-cache and its own random stream', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const draws: number[] = []
    const seenByFactory: number[] = []
    const [a] = sim.addPeers(1, (peer) => new Recorder(peer))
    const [b] = sim.addPeers(1, (peer) => {
      draws.push(peer.random.nextUint32())
      seenByFactory.push(peer.net.peers().length)
      return new Recorder(peer)
    })
    void a!.app!.publish('once')
    await sim.run()
    expect(b!.app!.gossip.map((m) => m.text)).toEqual(['once'])
    sim.crash(b!)
    sim.restart(b!)
    expect(seenByFactory).toEqual([0, 0]) // connections open once the factory has returned…
    expect(b!.peer!.net.peers()).toEqual([a!.id])
    expect(b!.app!.events).toEqual([])
    await sim.run()
    expect(b!.app!.events).toEqual([{ type: 'connect', peer: a!.id, at: 20 }]) // …and are announced by events
    void a!.app!.publish('once') // the same bytes again: the old seen-cache is gone, so it is new to b
    await sim.run()
    expect(b!.app!.gossip.map((m) => m.text)).toEqual(['once'])
    expect(draws).toHaveLength(2)
    expect(draws[0]).not.toBe(draws[1])
  })

  it('loses what a crashing sender still had queued behind its bandwidth limit', async () => {
    const sim = new Simulation({ epochMs: 0, link: { latencyMs: 20, bandwidth: 100 } })
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    for (const text of ['first', 'second', 'third']) void a!.peer!.net.send(b!.id, PROTO, enc(text.padEnd(100, '.')))
    // Each takes 1 s to serialise: arrivals would be 1020, 2020, 3020.
    sim.at(1500, () => sim.crash(a!))
    await sim.run()
    expect(b!.app!.direct.map((m) => [m.text.slice(0, 6), m.at])).toEqual([['first.', 1020]])
    expect(sim.stats.dropped.disconnected).toBe(2)
  })
})
