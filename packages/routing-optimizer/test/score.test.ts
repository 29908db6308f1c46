import { describe, expect, it } from 'vitest'
import { CapacitySelector, PeerMetrics, PeerScorer, RoutingTable, bestPlusRandom, chooseByCapacity, weightedOrder } from '../src/index.js'
import { Prng } from '@dscs/netsim'

const MB = 1e6

describe('PeerScorer', () => {
  it('prefers the near, fast, reliable and trusted peer, factor by factor', () => {
    const scorer = new PeerScorer({ trust: (peer) => (peer === 'trusted' ? 1 : peer === 'distrusted' ? 0 : undefined) })
    const metrics = new PeerMetrics(16)
    for (const peer of ['near', 'far', 'trusted', 'distrusted', 'flaky']) {
      metrics.rtt(peer, peer === 'far' ? 300 : 20, 0)
      for (let i = 0; i < 5; i++) metrics.transfer(peer, 1 * MB, 100, 0)
    }
    for (let i = 0; i < 10; i++) metrics.outcome('flaky', false, 0)
    const score = (peer: string): number => scorer.score(peer, { measured: metrics.get(peer), predictedRtt: undefined, advertised: undefined }).score
    expect(score('near')).toBeGreaterThan(score('far'))
    expect(score('near')).toBeGreaterThan(score('flaky'))
    expect(score('trusted')).toBeGreaterThan(score('near'))
    expect(score('distrusted')).toBe(0)
    // Unmeasured, the RTT predicted from coordinates stands in.
    const predicted = scorer.score('x', { measured: undefined, predictedRtt: 20, advertised: undefined })
    expect(predicted).toMatchObject({ rtt: 20, rttPredicted: true })
    expect(predicted.latency).toBeGreaterThan(scorer.score('y', { measured: undefined, predictedRtt: 300, advertised: undefined }).latency)
  })

  it('lets measured capacity override advertised, and marks down a peer that overclaims', () => {
    const scorer = new PeerScorer()
    const metrics = new PeerMetrics(16)
    // Both advertise 100 MB/s; the honest one delivers 80, the liar 1.
    for (let i = 0; i < 3; i++) {
      metrics.transfer('honest', 8 * MB, 100, 0)
      metrics.transfer('liar', 0.1 * MB, 100, 0)
    }
    const honest = scorer.capacity({ measured: metrics.get('honest'), predictedRtt: undefined, advertised: 100 * MB })
    const liar = scorer.capacity({ measured: metrics.get('liar'), predictedRtt: undefined, advertised: 100 * MB })
    expect(honest).toEqual({ effectiveCapacity: 80 * MB, overclaimed: false })
    expect(liar.overclaimed).toBe(true)
    expect(liar.effectiveCapacity).toBeCloseTo(0.25 * MB) // below even the 1 MB/s it delivers
    // An honest slow peer that advertises what it has keeps all of it.
    expect(scorer.capacity({ measured: metrics.get('liar'), predictedRtt: undefined, advertised: 1 * MB })).toEqual({ effectiveCapacity: 1 * MB, overclaimed: false })
    // Not measured yet: the advertisement counts, discounted.
    expect(scorer.capacity({ measured: undefined, predictedRtt: undefined, advertised: 10 * MB }).effectiveCapacity).toBe(5 * MB)
  })

  it('refuses options out of range', () => {
    expect(() => new PeerScorer({ rttScaleMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => new PeerScorer({ weights: { trust: -1 } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => new PeerScorer({ overclaimPenalty: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  })
})

describe('PeerMetrics', () => {
  it('forgets the peer measured longest ago past its bound, and lets reliability recover', () => {
    const metrics = new PeerMetrics(2)
    metrics.rtt('a', 10, 0)
    metrics.rtt('b', 10, 1)
    metrics.rtt('a', 10, 2)
    metrics.rtt('c', 10, 3)
    expect(metrics.peers()).toEqual(['a', 'c'])
    for (let i = 0; i < 20; i++) metrics.outcome('a', false, 4)
    const low = metrics.get('a')!.reliability
    expect(low).toBeLessThan(0.1)
    for (let i = 0; i < 100; i++) metrics.outcome('a', true, 5)
    expect(metrics.get('a')!.reliability).toBeGreaterThan(0.8)
  })
})

describe('selection', () => {
  const rng = new Prng(9)
  const random = (): number => rng.float()

  it('keeps the best K and random slots from the rest, so fast liars cannot take every slot', () => {
    const candidates = Array.from({ length: 20 }, (_, i) => ({ peer: `p${i}`, weight: i < 10 ? 100 - i : 1 }))
    const { keep, prune } = bestPlusRandom(candidates, { best: 6, random: 2 }, random)
    expect(keep.slice(0, 6)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5'])
    expect(keep).toHaveLength(8)
    expect(prune).toHaveLength(12)
    // Over many draws, the random slots reach the low-scored half too.
    const reached = new Set<string>()
    for (let i = 0; i < 200; i++) for (const peer of bestPlusRandom(candidates, { best: 6, random: 2 }, random).keep.slice(6)) reached.add(peer)
    expect([...reached].some((peer) => Number(peer.slice(1)) >= 10)).toBe(true)
  })

  it('chooses work in proportion to capacity, within caps', () => {
    const candidates = [
      { peer: 'fast', weight: 9 },
      { peer: 'slow', weight: 1 }
    ]
    const counts = new Map<string, number>()
    for (let i = 0; i < 10_000; i++) {
      const peer = chooseByCapacity(candidates, () => 0, { cap: 4, maxShare: 1 }, random)!
      counts.set(peer, (counts.get(peer) ?? 0) + 1)
    }
    expect(counts.get('fast')! / 10_000).toBeCloseTo(0.9, 1)
    // With loads given, nobody passes the cap, nor (past the cap) its share of the total.
    const load = new Map([
      ['fast', 4],
      ['slow', 0]
    ])
    expect(chooseByCapacity(candidates, (p) => load.get(p)!, { cap: 4, maxShare: 1 }, random)).toBe('slow')
    load.set('slow', 4)
    expect(chooseByCapacity(candidates, (p) => load.get(p)!, { cap: 4, maxShare: 1 }, random)).toBeUndefined()
    const many = [...candidates, { peer: 'c', weight: 1 }]
    const loads = new Map([
      ['fast', 6],
      ['slow', 2],
      ['c', 2]
    ])
    expect(chooseByCapacity(many, (p) => loads.get(p)!, { cap: 100, maxShare: 0.5 }, random)).not.toBe('fast')
  })

  it('leaves far lighter peers out while heavier ones have room, and honours a candidate\'s own cap', () => {
    const candidates = [
      { peer: 'fast', weight: 10, cap: 2 },
      { peer: 'slow', weight: 1 }
    ]
    const loads = new Map([
      ['fast', 0],
      ['slow', 0]
    ])
    const limits = { cap: 8, maxShare: 1, minRelativeWeight: 0.25 }
    for (let i = 0; i < 2; i++) {
      const peer = chooseByCapacity(candidates, (p) => loads.get(p)!, limits, random)!
      expect(peer).toBe('fast')
      loads.set(peer, loads.get(peer)! + 1)
    }
    // The fast peer is at its own cap: now the slow one gets work rather than none being done.
    expect(chooseByCapacity(candidates, (p) => loads.get(p)!, limits, random)).toBe('slow')
  })

  it('orders by weight at random: heavier peers come first more often, weightless ones last', () => {
    let heavyFirst = 0
    for (let i = 0; i < 2_000; i++) {
      const order = weightedOrder(
        [
          { peer: 'zero', weight: 0 },
          { peer: 'light', weight: 1 },
          { peer: 'heavy', weight: 3 }
        ],
        random
      )
      expect(order[2]).toBe('zero')
      if (order[0] === 'heavy') heavyFirst++
    }
    expect(heavyFirst / 2_000).toBeCloseTo(0.75, 1)
  })
})

describe('CapacitySelector', () => {
  it('leaves out a slow holder offered alone while a fast holder is connected, and asks it once none is', () => {
    const table = new RoutingTable({ maxPeers: 16, vivaldi: { random: () => 0.5 } })
    for (let i = 0; i < 3; i++) {
      table.observeTransfer('fast', 10 * MB, 1_000, 0)
      table.observeTransfer('slow', 0.01 * MB, 1_000, 0)
    }
    const connected = new Set(['fast', 'slow', 'new'])
    const selector = new CapacitySelector({ table, connected: (peer) => connected.has(peer), minRelativeWeight: 0.25, random: () => 0.5 })
    expect(selector.order('cid', [{ peer: 'fast', throughput: 0 }, { peer: 'slow', throughput: 0 }, { peer: 'new', throughput: 0 }]).sort()).toEqual(['fast', 'new'])
    // The fast holder is busy, so only the slow one is offered: still left out.
    expect(selector.order('cid', [{ peer: 'slow', throughput: 0 }])).toEqual([])
    // Another content, held only by the slow peer, is asked of it.
    expect(selector.order('other', [{ peer: 'slow', throughput: 0 }])).toEqual(['slow'])
    connected.delete('fast')
    expect(selector.order('cid', [{ peer: 'slow', throughput: 0 }])).toEqual(['slow'])
  })
})

describe('RoutingTable.worthMeasuring', () => {
  it('lists the best-scored peers known only by a prediction, best first, leaving out those measured', () => {
    const table = new RoutingTable({ maxPeers: 16, vivaldi: { random: () => 0.5 } })
    const at = (x: number): { vector: number[]; height: number; error: number } => ({ vector: [x, 0, 0], height: 0, error: 0.5 })
    const record = (x: number): { uploadBytesPerSecond: number; relay: boolean; coordinate: ReturnType<typeof at> } => ({ uploadBytesPerSecond: MB, relay: false, coordinate: at(x) })
    table.advertised('far', record(300), 0, 0)
    table.advertised('near', record(20), 0, 0)
    table.advertised('middle', record(80), 0, 0)
    table.advertised('measured', record(10), 0, 0)
    table.observeRtt('measured', 15, 0)
    // A peer with a measurement but no coordinate, and one with neither, are not predictions either.
    table.observeTransfer('unplaced', MB, 1_000, 0)
    expect(table.worthMeasuring(2)).toEqual(['near', 'middle'])
    expect(table.worthMeasuring(10)).toEqual(['near', 'middle', 'far'])
  })
})
