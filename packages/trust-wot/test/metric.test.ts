// The trust metric on bare edge layers: its values, its Sybil bound, and the incremental view against recomputation.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EdgeLayer, TrustView, computeTrust, resolveMetric, type MetricParams } from '../src/index.js'
import { prng } from './helpers.js'

const params = resolveMetric()
const B = params.budget

describe('the metric', () => {
  it('gives a trustee its level of the decayed energy, split by the sum of levels when it exceeds 100, and decays with each step', () => {
    const layer = new EdgeLayer()
    layer.set(0, 1, 80)
    const view = new TrustView(layer, 0, params)
    expect(view.trust(1)).toBe(0.4) // half passes on, 80 of 100 of it to 1
    layer.set(1, 2, 100)
    expect(view.units(2)).toBe(Math.floor((0.4 * B * 50 * 100) / (100 * 100)))
    // 0 now trusts 1 and 3 at 100 each: 200 in all, so each gets half of what passes on.
    layer.set(0, 1, 100)
    layer.set(0, 3, 100)
    expect(view.trust(1)).toBe(0.25)
    expect(view.trust(3)).toBe(0.25)
    expect(view.trust(0)).toBe(1)
    expect(view.trust(99)).toBe(0)
  })

  it('stops at maxDepth, and keeps cycles finite', () => {
    const layer = new EdgeLayer()
    for (let i = 0; i < 10; i++) layer.set(i, i + 1, 100)
    const shallow = new TrustView(layer, 0, resolveMetric({ maxDepth: 3 }))
    expect(shallow.units(3)).toBeGreaterThan(0)
    expect(shallow.units(4)).toBe(0)
    // A ring back to the viewer: energy goes round, halving each step, and stops at maxDepth.
    layer.set(10, 0, 100)
    const ring = new TrustView(layer, 0, resolveMetric({ maxDepth: 16 }))
    let total = 0
    for (const [node, units] of ring.entries()) if (node !== 0) total += units
    expect(total).toBeLessThanOrEqual(B)
    let halved = B
    for (let step = 0; step < 10; step++) halved = Math.floor(halved / 2)
    expect(ring.units(10)).toBe(halved)
  })

  it('refuses parameters out of range', () => {
    expect(() => resolveMetric({ decay: 51 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => resolveMetric({ maxDepth: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => resolveMetric({ budget: 2 ** 40 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  })
})

/** An honest graph of `honest` identities (0 is the viewer), each trusting `degree` others at random levels. */
function honestGraph(layer: EdgeLayer, honest: number, degree: number, seed: number): void {
  const random = prng(seed)
  for (let node = 0; node < honest; node++) {
    for (let k = 0; k < degree; k++) {
      const trustee = random.int(honest)
      if (trustee !== node) layer.set(node, trustee, 30 + random.int(71))
    }
  }
}

/** A Sybil region [first, first + size): every Sybil fully trusts `degree` others, so energy stays inside. */
function sybilRegion(layer: EdgeLayer, first: number, size: number, degree: number, seed: number): void {
  const random = prng(seed)
  for (let i = 0; i < size; i++) for (let k = 0; k < degree; k++) layer.set(first + i, first + random.int(size), 100)
}

describe('the Sybil bound', () => {
  const HONEST = 1_000
  const SYBILS = 1_000

  /** Builds the attack, and returns the Sybils' total trust and the bound the metric promises for it. */
  function attack(k: number, sybils = SYBILS, metric: MetricParams = params) {
    const layer = new EdgeLayer()
    honestGraph(layer, HONEST, 8, 1)
    sybilRegion(layer, HONEST, sybils, 10, 2)
    const random = prng(100 + k)
    const attackEdges: { from: number; to: number }[] = []
    // k honest identities (never the viewer) are fooled into trusting a Sybil, fully.
    while (attackEdges.length < k) {
      const from = 1 + random.int(HONEST - 1)
      if (attackEdges.some((edge) => edge.from === from)) continue
      const to = HONEST + random.int(sybils)
      layer.set(from, to, 100)
      attackEdges.push({ from, to })
    }
    const view = new TrustView(layer, 0, metric)
    let sybilTotal = 0
    let honestTotal = 0
    for (const [node, units] of view.entries()) {
      if (node >= HONEST) sybilTotal += units
      else if (node !== 0) honestTotal += units
    }
    // Energy crossing an attack edge is at most decay × (the honest end's energy) × its edge's share;
    // inside the region it can only decay further: the total is at most that over (1 - decay).
    const decay = metric.decay / 100
    let crossing = 0
    for (const { from, to } of attackEdges) crossing += (view.units(from) * layer.level(from, to)) / Math.max(layer.sum(from), 100)
    const bound = ((decay / (1 - decay)) * crossing) / metric.budget
    const fooled = attackEdges.reduce((sum, { from }) => sum + view.trust(from), 0)
    return { sybilTrust: sybilTotal / metric.budget, honestTrust: honestTotal / metric.budget, bound, fooled, sybilsReached: [...view.entries()].filter(([node]) => node >= HONEST).length }
  }

  it.each([1, 5, 20, 100])('with %i attack edges, 1,000 Sybils gain at most what crosses the attack edges, over (1 - decay)', (k) => {
    const { sybilTrust, honestTrust, bound, fooled } = attack(k)
    expect(sybilTrust).toBeGreaterThan(0)
    expect(sybilTrust).toBeLessThanOrEqual(bound)
    // With decay 1/2 the bound is at most the fooled identities' own trust: the Sybils gain no more than their victims hold.
    expect(bound).toBeLessThanOrEqual(fooled)
    expect(honestTrust).toBeGreaterThan(sybilTrust)
  })

  it('does not grow with the number of Sybil identities: 10 or 1,000 behind the same attack edges gain the same bounded trust', () => {
    const few = attack(5, 10)
    const many = attack(5, 1_000)
    expect(many.bound).toBeCloseTo(few.bound, 12)
    expect(many.sybilTrust).toBeLessThanOrEqual(many.bound)
    expect(few.sybilTrust).toBeLessThanOrEqual(few.bound)
    // More identities only spread the same trust thinner.
    expect(many.sybilsReached).toBeGreaterThan(few.sybilsReached)
  })

  it('holds for any decay and depth', () => {
    for (const metric of [resolveMetric({ decay: 20, maxDepth: 4 }), resolveMetric({ decay: 50, maxDepth: 12 }), resolveMetric({ decay: 35, maxDepth: 8, budget: 1_000_000 })]) {
      const { sybilTrust, bound } = attack(20, SYBILS, metric)
      expect(sybilTrust).toBeLessThanOrEqual(bound)
    }
  })
})

describe('the incremental view', () => {
  // Operations on a small graph, so paths, cycles, splits and the viewer's own edges all occur.
  const operation = fc.record({ truster: fc.nat(11), trustee: fc.nat(11), level: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 })) })
  const metric = fc.record({ decay: fc.integer({ min: 1, max: 50 }), maxDepth: fc.integer({ min: 1, max: 8 }), budget: fc.constantFrom(1_000, 1_000_000, 2 ** 30) })

  it('equals a recomputation from scratch, to the unit, after every new, changed and removed edge', () => {
    fc.assert(
      fc.property(metric, fc.array(operation, { maxLength: 80 }), (options, operations) => {
        const metricParams = resolveMetric(options)
        const layer = new EdgeLayer()
        const view = new TrustView(layer, 0, metricParams)
        let reported = new Map<number, number>()
        view.onChange((changes) => {
          for (const { node, before, after } of changes) {
            expect(reported.get(node) ?? 0).toBe(before)
            reported.set(node, after)
          }
        })
        for (const { truster, trustee, level } of operations) {
          if (truster === trustee) continue
          layer.set(truster, trustee, level)
          const expected = computeTrust(layer, 0, metricParams)
          for (let node = 1; node < 12; node++) expect(view.units(node)).toBe(expected.get(node) ?? 0)
          // The changes reported add up to the values.
          for (let node = 1; node < 12; node++) expect(reported.get(node) ?? 0).toBe(expected.get(node) ?? 0)
        }
        reported = new Map()
      }),
      { numRuns: 300 }
    )
  })

  it('equals a recomputation on a large graph after a burst of random edges', () => {
    const layer = new EdgeLayer()
    honestGraph(layer, 2_000, 10, 5)
    const view = new TrustView(layer, 0, params)
    const random = prng(9)
    for (let i = 0; i < 300; i++) {
      const truster = random.int(2_000)
      const trustee = random.int(2_000)
      if (truster !== trustee) layer.set(truster, trustee, random.next() < 0.3 ? 0 : 1 + random.int(100))
    }
    const expected = computeTrust(layer, 0, params)
    for (let node = 1; node < 2_000; node++) expect(view.units(node)).toBe(expected.get(node) ?? 0)
    expect(view.reached).toBe(expected.size)
  })
})
