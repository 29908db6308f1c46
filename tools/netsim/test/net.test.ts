import { isDscsError } from '@dscs/interface'
import { describe, expect, it } from 'vitest'
import { NetsimError, Simulation, type SimNode } from '../src/index.js'
import { PROTO, Recorder, TOPIC, dec, enc } from './helpers.js'

describe('the Net port of a simulated peer', () => {
  it('delivers a direct message through the event queue, never inside send', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    await a!.app!.send(b!.id, 'hello')
    expect(b!.app!.direct).toEqual([]) // send resolved, nothing delivered yet
    expect(sim.pending).toBeGreaterThan(0)
    await sim.run()
    expect(b!.app!.direct).toEqual([{ from: a!.id, text: 'hello', at: 20 }]) // default latency 20 ms
    expect(sim.stats.sent).toBe(1)
    expect(sim.stats.delivered).toBe(1)
  })

  it('gives the receiver its own copy of the bytes', async () => {
    const sim = new Simulation()
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    const bytes = enc('original')
    await a!.peer!.net.send(b!.id, PROTO, bytes)
    bytes.set(enc('mutated!'))
    await sim.run()
    expect(b!.app!.direct[0]!.text).toBe('original')
  })

  it('rejects a send to an unknown or unconnected peer with NOT_CONNECTED', async () => {
    const sim = new Simulation()
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer), { connect: 'none' })
    await expect(a!.app!.send(b!.id, 'x')).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    await expect(a!.app!.send('nobody', 'x')).rejects.toSatisfy((err: unknown) => isDscsError(err, 'NOT_CONNECTED') && err instanceof NetsimError)
    await expect(a!.app!.send(a!.id, 'x')).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    sim.connect(a!, b!)
    await expect(a!.app!.send(b!.id, 'x')).resolves.toBeUndefined()
  })

  it('allows one handler per protocol and one subscription per topic; unsubscribing stops delivery', async () => {
    const sim = new Simulation({ trace: 'entries' })
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    expect(() => b!.peer!.net.handle(PROTO, () => {})).toThrow(expect.objectContaining({ code: 'HANDLER_EXISTS' }) as Error)
    expect(() => b!.peer!.net.subscribe(TOPIC, () => 'accept')).toThrow(expect.objectContaining({ code: 'HANDLER_EXISTS' }) as Error)

    const other = '/dscs/other/1.0.0'
    const got: string[] = []
    const stop = b!.peer!.net.handle(other, (m) => void got.push(dec(m.bytes)))
    await a!.peer!.net.send(b!.id, other, enc('one'))
    await sim.run()
    stop()
    await a!.peer!.net.send(b!.id, other, enc('two'))
    await sim.run()
    expect(got).toEqual(['one'])
    expect(sim.stats.dropped['no-handler']).toBe(1)
    expect(sim.trace.filter((e) => e.kind === 'drop').map((e) => e.detail)).toEqual(['no-handler'])
  })

  it('reports peers() and connect/disconnect events', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [a, b, c] = sim.addPeers(3, (peer) => new Recorder(peer))
    expect([...a!.peer!.net.peers()].sort()).toEqual([b!.id, c!.id])
    await sim.run()
    expect(a!.app!.events.map((e) => [e.type, e.peer])).toEqual([
      ['connect', b!.id],
      ['connect', c!.id]
    ])
    sim.disconnect(a!, b!)
    expect(a!.peer!.net.peers()).toEqual([c!.id])
    expect(b!.peer!.net.peers()).toEqual([c!.id])
    expect(sim.isConnected(a!, b!)).toBe(false)
    await sim.run()
    expect(a!.app!.events.at(-1)).toEqual({ type: 'disconnect', peer: b!.id, at: 0 })
    expect(b!.app!.events.at(-1)).toEqual({ type: 'disconnect', peer: a!.id, at: 0 })
  })

  it('runs timers and intervals on virtual time, and cancels them', async () => {
    const sim = new Simulation({ epochMs: 1_000_000 })
    const fired: [string, number][] = []
    const [node] = sim.addPeers(1, (peer) => {
      peer.setTimer(250, () => fired.push(['once', peer.clock.now()]))
      const cancelled = peer.setTimer(100, () => fired.push(['cancelled', peer.clock.now()]))
      cancelled.cancel()
      const every = peer.setInterval(400, () => {
        fired.push(['every', peer.clock.now()])
        if (fired.filter(([what]) => what === 'every').length === 3) every.cancel()
      })
      return peer
    })
    const result = await sim.run()
    expect(fired).toEqual([
      ['once', 1_000_250],
      ['every', 1_000_400],
      ['every', 1_000_800],
      ['every', 1_001_200]
    ])
    expect(result).toMatchObject({ quiescent: true, now: 1200 })
    expect(sim.stats.timersFired).toBe(4)
    expect(() => node!.peer!.setTimer(-1, () => {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error)
    expect(() => node!.peer!.setInterval(0, () => {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error)
  })

  it('does not give a publisher its own message, and publishing to no subscribers resolves', async () => {
    const sim = new Simulation()
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    await a!.app!.publish('news')
    await sim.run()
    expect(a!.app!.gossip).toEqual([])
    expect(b!.app!.gossip.map((g) => g.text)).toEqual(['news'])
    await expect(a!.peer!.net.publish('nobody-listens', enc('x'))).resolves.toBeUndefined()
    expect(sim.stats.published).toBe(2)
    expect(sim.stats.topicSent).toBe(1)
  })

  it('records penalties per peer and in total', () => {
    const sim = new Simulation()
    const [a, b, c] = sim.addPeers(3, (peer) => new Recorder(peer))
    a!.peer!.net.penalise(b!.id, 'BAD_SIGNATURE')
    a!.peer!.net.penalise(b!.id, 'BAD_SIGNATURE')
    a!.peer!.net.penalise(b!.id, 'TOO_LARGE')
    c!.peer!.net.penalise(b!.id, 'TOO_LARGE')
    expect(a!.penalties.get(b!.id)).toEqual(
      new Map([
        ['BAD_SIGNATURE', 2],
        ['TOO_LARGE', 1]
      ])
    )
    expect(c!.penalties.get(b!.id)?.get('TOO_LARGE')).toBe(1)
    expect(b!.penalties.size).toBe(0)
    expect(sim.penaltiesAgainst(b!)).toBe(4)
    expect(sim.penaltiesAgainst(a!.id)).toBe(0)
    expect(sim.stats.penalties).toBe(4)
  })

  it('records sends, deliveries, drops and faults as readable trace entries', async () => {
    const sim = new Simulation({ trace: 'entries', link: { loss: 0 } })
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    await sim.run()
    const start = sim.trace.length
    void a!.app!.send(b!.id, 'hi')
    sim.at(5, () => sim.cut(a!, b!, 'one-way'))
    sim.at(6, () => a!.app!.send(b!.id, 'lost'))
    await sim.run()
    const entries = sim.trace.slice(start).map(({ kind, peer, other, detail }) => ({ kind, peer, other, detail }))
    expect(entries).toEqual([
      { kind: 'send', peer: a!.id, other: b!.id, detail: PROTO },
      { kind: 'task', peer: undefined, other: undefined, detail: undefined },
      { kind: 'fault', peer: a!.id, other: b!.id, detail: 'cut' },
      { kind: 'task', peer: undefined, other: undefined, detail: undefined },
      { kind: 'send', peer: a!.id, other: b!.id, detail: PROTO },
      { kind: 'drop', peer: b!.id, other: a!.id, detail: 'unreachable' },
      { kind: 'drop', peer: b!.id, other: a!.id, detail: 'unreachable' } // 'hi', in flight when the direction was cut
    ])
    expect(sim.traceLength).toBe(sim.trace.length)
    expect(() => new Simulation().trace).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }) as Error)
  })

  it('builds topologies: none, full mesh and a connected random graph of the asked degree', () => {
    const sim = new Simulation({ seed: 3 })
    const none = sim.addPeers(4, (peer) => peer, { connect: 'none' })
    expect(none.every((n) => n.connections().length === 0)).toBe(true)
    const random = sim.addPeers(200, (peer) => peer, { connect: { degree: 8 } })
    const degrees = random.map((n) => n.connections().length)
    const mean = degrees.reduce((s, d) => s + d, 0) / degrees.length
    expect(mean).toBeGreaterThan(7)
    expect(mean).toBeLessThan(9)
    expect(Math.min(...degrees)).toBeGreaterThanOrEqual(2)
    // Connected: a search from the first reaches all 200.
    const seen = new Set([random[0]!.id])
    const todo: SimNode[] = [random[0]!]
    while (todo.length > 0) {
      for (const id of todo.pop()!.connections()) {
        if (!seen.has(id)) {
          seen.add(id)
          todo.push(sim.node(id))
        }
      }
    }
    expect(seen.size).toBe(200)
    expect(none[0]!.connections()).toEqual([]) // the random graph stayed among its own peers
    const [x] = sim.addPeers(1, (peer) => peer) // default: connect to everyone
    expect(x!.connections().length).toBe(204)
    expect(() => sim.addPeer((peer) => peer, { id: 'peer-0' })).toThrow(expect.objectContaining({ code: 'DUPLICATE_PEER' }) as Error)
    expect(() => sim.node('missing')).toThrow(expect.objectContaining({ code: 'UNKNOWN_PEER' }) as Error)
    expect(() => new Simulation().node(x!)).toThrow(expect.objectContaining({ code: 'UNKNOWN_PEER' }) as Error)
  })
})
