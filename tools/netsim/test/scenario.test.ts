import type { Net } from '@dscs/interface'
import { describe, expect, it } from 'vitest'
import { NetsimError, Simulation, type SimPeer } from '../src/index.js'
import { PROTO, Recorder, enc } from './helpers.js'

describe('the scenario API', () => {
  it('runs the README example', async () => {
    // The example from src/index.ts and README.md, verbatim but for the assertions.
    class Listener {
      readonly heard = new Set<string>()
      constructor(net: Net) {
        net.subscribe('news', (msg) => {
          this.heard.add(new TextDecoder().decode(msg.bytes))
          return 'accept'
        })
      }
    }

    const sim = new Simulation({ seed: 42, link: { latencyMs: 30, jitterMs: 10, loss: 0.01 } })
    const peers = sim.addPeers(10, (peer: SimPeer) => new Listener(peer.net))
    const say = (from: number, text: string) => () => peers[from]!.peer!.net.publish('news', new TextEncoder().encode(text))

    sim.at(1_000, () => sim.partition([peers.slice(0, 5), peers.slice(5)]))
    sim.at(1_500, say(0, 'left side only'))
    sim.at(5_000, () => sim.heal())
    sim.at(6_000, say(9, 'everyone'))
    await sim.run({ until: 10_000 })

    expect(peers.map((p) => p.app!.heard.has('everyone'))).toEqual([true, true, true, true, true, true, true, true, true, false])
    expect(peers.map((p) => p.app!.heard.has('left side only'))).toEqual([false, true, true, true, true, false, false, false, false, false])
    expect(sim.now).toBe(10_000)
    const hash = sim.traceHash()

    const again = new Simulation({ seed: 42, link: { latencyMs: 30, jitterMs: 10, loss: 0.01 } })
    const twins = again.addPeers(10, (peer: SimPeer) => new Listener(peer.net))
    again.at(1_000, () => again.partition([twins.slice(0, 5), twins.slice(5)]))
    again.at(1_500, () => twins[0]!.peer!.net.publish('news', new TextEncoder().encode('left side only')))
    again.at(5_000, () => again.heal())
    again.at(6_000, () => twins[9]!.peer!.net.publish('news', new TextEncoder().encode('everyone')))
    await again.run({ until: 10_000 })
    expect(again.traceHash()).toBe(hash)
  })

  it('applies a scheduled fault sequence and lets the scenario check state along the way', async () => {
    const sim = new Simulation({ seed: 3, epochMs: 0, link: { jitterMs: 5 } })
    const peers = sim.addPeers(6, (peer) => new Recorder(peer))
    const [a, b, c, d, e, f] = peers
    const checks: Record<string, unknown> = {}
    // Every 100 ms, a sends to everyone it is connected to.
    sim.addPeer((peer) => peer.setInterval(100, () => {}), { id: 'idle', connect: 'none' })
    for (let t = 100; t <= 5000; t += 100) {
      sim.at(t, () => {
        for (const to of a!.peer!.net.peers()) void a!.app!.send(to, `t${t}`)
      })
    }
    sim.at(1000, () => sim.partition([[a!, b!, c!]]))
    sim.at(1500, () => (checks.partitioned = [...a!.peer!.net.peers()].sort()))
    sim.at(2000, () => sim.crash(b!))
    sim.at(2500, () => (checks.crashed = [...a!.peer!.net.peers()].sort()))
    sim.at(3000, () => sim.restart(b!))
    sim.at(3500, () => sim.heal())
    sim.at(3600, () => sim.setLink(a!, f!, { latencyMs: 1000 }, 'one-way'))
    sim.at(4000, () => (checks.healed = [...a!.peer!.net.peers()].sort()))
    const result = await sim.run({ until: 6000 })

    expect(checks).toEqual({
      partitioned: [b!.id, c!.id],
      crashed: [c!.id],
      healed: [b!.id, c!.id, d!.id, e!.id, f!.id]
    })
    expect(result.quiescent).toBe(false) // the idle peer's interval never ends
    expect(result.now).toBe(6000)
    // d heard nothing while partitioned (1000–3500), and again from 3500.
    const dTimes = d!.app!.direct.map((m) => Number(m.text.slice(1)))
    expect(dTimes.filter((t) => t >= 1000 && t < 3500)).toEqual([])
    expect(dTimes.filter((t) => t >= 3500)).toHaveLength(15)
    // b's restarted incarnation only heard what was sent after its restart.
    expect(b!.app!.direct.every((m) => Number(m.text.slice(1)) >= 3000)).toBe(true)
    expect(b!.app!.direct.length).toBeGreaterThan(0)
    // The slow one-way link to f: sent at 3700, heard at ≥ 4700.
    const toF = f!.app!.direct.find((m) => m.text === 't3700')!
    expect(toF.at).toBeGreaterThanOrEqual(4700)
    expect(e!.app!.direct.find((m) => m.text === 't3700')!.at).toBeLessThan(3730)
  })

  it('runs in steps: until, duration, and again to quiescence', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
    sim.at(100, () => a!.app!.send(b!.id, 'one'))
    sim.at(700, () => a!.app!.send(b!.id, 'two'))
    expect(await sim.run({ until: 50 })).toEqual({ events: 2, now: 50, quiescent: false }) // the two connect events at 0
    expect(b!.app!.direct).toEqual([])
    expect(await sim.run({ duration: 100 })).toEqual({ events: 2, now: 150, quiescent: false }) // task at 100, delivery at 120
    expect(b!.app!.direct.map((m) => m.text)).toEqual(['one'])
    const last = await sim.run()
    expect(last).toEqual({ events: 2, now: 720, quiescent: true })
    expect(b!.app!.direct.map((m) => [m.text, m.at])).toEqual([
      ['one', 120],
      ['two', 720]
    ])
    await expect(sim.run({ until: 10 })).rejects.toMatchObject({ code: 'TIME_IN_PAST' })
    expect(() => sim.at(5, () => {})).toThrow(expect.objectContaining({ code: 'TIME_IN_PAST' }) as Error)
    const cancelled = sim.after(10, () => {
      throw new Error('cancelled tasks do not run')
    })
    cancelled.cancel()
    await sim.run()
  })

  it('stops a livelock at the event bound with a clear MAX_EVENTS error', async () => {
    const sim = new Simulation({ link: { latencyMs: 0 } })
    const ping = (peer: SimPeer): SimPeer => {
      peer.net.handle(PROTO, (m) => peer.net.send(m.from, PROTO, m.bytes)) // bounce forever, in zero time
      return peer
    }
    const [a, b] = sim.addPeers(2, ping)
    void a!.app!.net.send(b!.id, PROTO, enc('ball'))
    const failure = await sim.run({ maxEvents: 5000 }).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(NetsimError)
    expect(failure).toMatchObject({ code: 'MAX_EVENTS' })
    expect((failure as Error).message).toMatch(/stopped after 5000 events at virtual time 0 ms .*livelock/)
    expect(sim.now).toBe(0)
    expect(sim.pending).toBeGreaterThan(0)
    // The simulation is still usable: a bounded run ends normally.
    sim.crash(a!)
    await expect(sim.run({ maxEvents: 5000 })).resolves.toMatchObject({ quiescent: true })

    // The bound can be set for every run of a simulation.
    const bounded = new Simulation({ link: { latencyMs: 0 }, maxEvents: 300 })
    const [c, d] = bounded.addPeers(2, ping)
    void c!.app!.net.send(d!.id, PROTO, enc('ball'))
    await expect(bounded.run()).rejects.toMatchObject({ code: 'MAX_EVENTS', message: expect.stringContaining('stopped after 300 events') as string })
    expect(() => new Simulation({ maxEvents: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error)
  })

  it('refuses a second concurrent run', async () => {
    const sim = new Simulation()
    sim.addPeers(2, (peer) => new Recorder(peer))
    const first = sim.run()
    await expect(sim.run()).rejects.toMatchObject({ code: 'ALREADY_RUNNING' })
    await first
  })

  it('fails the run with HANDLER_FAILED when application code throws or rejects', async () => {
    const sim = new Simulation()
    const [a, b] = sim.addPeers(2, (peer) => peer)
    b!.app!.net.handle(PROTO, () => {
      throw new Error('boom')
    })
    void a!.app!.net.send(b!.id, PROTO, enc('x'))
    const sync = await sim.run().catch((err: unknown) => err)
    expect(sync).toMatchObject({ code: 'HANDLER_FAILED', message: expect.stringMatching(/handler for \/dscs\/test\/1\.0\.0 of peer-1 failed at 20 ms: boom/) as string })
    expect((sync as NetsimError).cause).toEqual(new Error('boom'))

    a!.app!.setTimer(5, async () => {
      await Promise.resolve()
      throw new Error('later')
    })
    await expect(sim.run()).rejects.toMatchObject({ code: 'HANDLER_FAILED', message: expect.stringContaining('later') as string })
    expect(() =>
      sim.addPeer(() => {
        throw new Error('no app')
      })
    ).toThrow(expect.objectContaining({ code: 'HANDLER_FAILED' }) as Error)
  })

  it("settles the async work an event starts before the next event ('always')", async () => {
    const order = await asyncOrder('always')
    // The timer at 100 starts async work (store write, then send) without returning it;
    // it completes at 100, so the message arrives at 120, before the 130 timer.
    expect(order).toEqual(['timer@100', 'deliver@120', 'timer@130'])
  })

  it("in 'promises' mode, settles only after callbacks that return a promise", async () => {
    // The fire-and-forget work now continues at the next settle point, the 130 timer
    // (which returns a promise), so its message is sent at 130 and arrives at 150.
    expect(await asyncOrder('promises')).toEqual(['timer@100', 'timer@130', 'deliver@150'])
  })
})

async function asyncOrder(settle: 'always' | 'promises'): Promise<string[]> {
  const sim = new Simulation({ epochMs: 0, settle })
  const order: string[] = []
  const [a, b] = sim.addPeers(2, (peer) => peer)
  b!.app!.net.handle(PROTO, () => void order.push(`deliver@${b!.app!.clock.now()}`))
  const pa = a!.app!
  pa.setTimer(100, () => {
    order.push(`timer@${pa.clock.now()}`)
    void (async () => {
      await pa.store.put(enc('k'), enc('v'))
      await pa.store.get(enc('k'))
      await pa.net.send(b!.id, PROTO, enc('after io'))
    })()
  })
  pa.setTimer(130, async () => {
    order.push(`timer@${pa.clock.now()}`)
  })
  await sim.run()
  return order
}
