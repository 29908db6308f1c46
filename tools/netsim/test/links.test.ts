import { describe, expect, it } from 'vitest'
import { DEFAULT_LINK, Simulation, type LinkProperties, type SimNode } from '../src/index.js'
import { PROTO, Recorder, enc, inversions } from './helpers.js'

/** Two connected recorders, a → b, on a simulation with the given default link. */
function pair(link: Partial<LinkProperties>, seed = 7): { sim: Simulation; a: SimNode<Recorder>; b: SimNode<Recorder> } {
  const sim = new Simulation({ seed, epochMs: 0, link })
  const [a, b] = sim.addPeers(2, (peer) => new Recorder(peer))
  return { sim, a: a!, b: b! }
}

/** Sends `count` numbered messages a → b, one every `spacingMs`, starting at t = 0. */
function stream(sim: Simulation, a: SimNode<Recorder>, b: SimNode<Recorder>, count: number, spacingMs: number): void {
  for (let i = 0; i < count; i++) sim.at(i * spacingMs, () => a.app!.send(b.id, String(i)))
}

describe('link properties', () => {
  it('delays every message by exactly the latency when there is no jitter', async () => {
    const { sim, a, b } = pair({ latencyMs: 35 })
    stream(sim, a, b, 50, 10)
    await sim.run()
    expect(b.app!.direct.map((m) => m.at - Number(m.text) * 10)).toEqual(new Array(50).fill(35))
  })

  it('keeps delays within [latency, latency + jitter) and spreads them', async () => {
    const { sim, a, b } = pair({ latencyMs: 30, jitterMs: 10 })
    stream(sim, a, b, 300, 50) // spaced wider than the jitter, so FIFO never holds one back
    await sim.run()
    const delays = b.app!.direct.map((m) => m.at - Number(m.text) * 50)
    expect(delays).toHaveLength(300)
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(30)
    expect(Math.max(...delays)).toBeLessThan(40)
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(8) // the jitter is really drawn
    const mean = delays.reduce((s, d) => s + d, 0) / delays.length
    expect(mean).toBeGreaterThan(34)
    expect(mean).toBeLessThan(36)
  })

  it('loses messages at the loss rate', async () => {
    const { sim, a, b } = pair({ loss: 0.2 })
    stream(sim, a, b, 10_000, 1)
    await sim.run()
    const delivered = b.app!.direct.length
    // Binomial(10000, 0.8): mean 8000, sd 40; ±300 is 7.5 sd.
    expect(delivered).toBeGreaterThan(7700)
    expect(delivered).toBeLessThan(8300)
    expect(sim.stats.dropped.loss + delivered).toBe(10_000)
  })

  it('duplicates messages at the duplication rate', async () => {
    const { sim, a, b } = pair({ duplicate: 0.1 })
    stream(sim, a, b, 10_000, 1)
    await sim.run()
    const extra = b.app!.direct.length - 10_000
    // Binomial(10000, 0.1): mean 1000, sd 30.
    expect(extra).toBeGreaterThan(850)
    expect(extra).toBeLessThan(1150)
    expect(sim.stats.duplicated).toBe(extra)
    expect(new Set(b.app!.direct.map((m) => m.text)).size).toBe(10_000)
  })

  it('reorders when enabled', async () => {
    const { sim, a, b } = pair({ jitterMs: 5, reorder: 0.3, reorderDelayMs: 50 })
    stream(sim, a, b, 500, 1)
    await sim.run()
    const order = b.app!.direct.map((m) => Number(m.text))
    expect(order).toHaveLength(500)
    expect(inversions(order)).toBeGreaterThan(100)
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  it('never reorders when disabled, even with jitter far above the spacing', async () => {
    const { sim, a, b } = pair({ jitterMs: 30, reorder: 0 })
    stream(sim, a, b, 500, 1)
    await sim.run()
    const order = b.app!.direct.map((m) => Number(m.text))
    expect(order).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  it('delays by size / bandwidth, queueing messages behind each other on the link', async () => {
    const sim = new Simulation({ epochMs: 0, link: { latencyMs: 10 } })
    const [a, b, c] = sim.addPeers(3, (peer) => new Recorder(peer))
    sim.setLink(a!, b!, { bandwidth: 1000 }, 'one-way') // 1000 bytes/s
    const kb = (text: string): Uint8Array => enc(text.padEnd(500, '.'))
    for (const text of ['x', 'y', 'z']) await a!.peer!.net.send(b!.id, PROTO, kb(text))
    await a!.peer!.net.send(c!.id, PROTO, kb('w')) // another link: unaffected
    sim.at(2000, () => a!.peer!.net.send(b!.id, PROTO, kb('later'))) // an idle link starts afresh
    await sim.run()
    // 500 bytes at 1000 B/s = 500 ms each, then 10 ms of latency.
    expect(b!.app!.direct.map((m) => m.at)).toEqual([510, 1010, 1510, 2510])
    expect(c!.app!.direct.map((m) => m.at)).toEqual([10])
    expect(b!.app!.direct.map((m) => m.text[0])).toEqual(['x', 'y', 'z', 'l'])
  })

  it('has defaults, one-way and two-way overrides, resets and default changes', async () => {
    const sim = new Simulation({ epochMs: 0 })
    const [a, b, c] = sim.addPeers(3, (peer) => new Recorder(peer))
    expect(sim.link(a!, b!)).toEqual(DEFAULT_LINK)
    expect(DEFAULT_LINK).toMatchObject({ latencyMs: 20, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0, bandwidth: Infinity })
    sim.setLink(a!, b!, { latencyMs: 100 }, 'one-way')
    sim.setLink(a!, c!, { latencyMs: 300 })
    sim.setLink(a!, c!, { loss: 0 }) // merges with the earlier override
    expect(sim.link(a!, b!).latencyMs).toBe(100)
    expect(sim.link(b!, a!).latencyMs).toBe(20)
    expect(sim.link(c!, a!).latencyMs).toBe(300)
    sim.setDefaultLink({ latencyMs: 50 })
    expect(sim.link(b!, a!).latencyMs).toBe(50) // follows the defaults
    expect(sim.link(a!, b!).latencyMs).toBe(100) // keeps its override
    sim.resetLink(a!, c!)
    expect(sim.link(a!, c!).latencyMs).toBe(50)
    void a!.app!.send(b!.id, 'ab')
    void b!.app!.send(a!.id, 'ba')
    await sim.run()
    expect(b!.app!.direct[0]!.at).toBe(100)
    expect(a!.app!.direct[0]!.at).toBe(50)

    for (const bad of [{ loss: 1.5 }, { duplicate: -0.1 }, { latencyMs: -1 }, { jitterMs: Infinity }, { bandwidth: 0 }, { latency: 5 }]) {
      expect(() => sim.setLink(a!, b!, bad as Partial<LinkProperties>)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error)
    }
    expect(() => sim.setLink(a!, a!, { loss: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error)
    expect(() => new Simulation({ link: { reorder: 2 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error)
  })
})
