import { describe, expect, it } from 'vitest'
import { GeographicLatency, Prng } from '../src/index.js'

describe('GeographicLatency', () => {
  it('gives symmetric delays from great-circle distance plus access delays, one matrix per seed', () => {
    const model = new GeographicLatency(50, new Prng(1))
    const again = new GeographicLatency(50, new Prng(1))
    expect(again.nodes).toEqual(model.nodes)
    expect(new GeographicLatency(50, new Prng(2)).nodes).not.toEqual(model.nodes)
    for (let i = 0; i < 50; i++) {
      expect(model.nodes[i]!.accessMs).toBeGreaterThanOrEqual(1)
      expect(model.nodes[i]!.accessMs).toBeLessThanOrEqual(10)
      expect(model.oneWayMs(i, i)).toBe(0)
      for (let j = 0; j < 50; j++) {
        expect(model.rttMs(i, j)).toBeCloseTo(model.rttMs(j, i), 9)
        // No two points on the Earth are further apart than half its circumference.
        expect(model.distanceKm(i, j)).toBeLessThanOrEqual(Math.PI * 6_371 + 1e-6)
      }
    }
    const [a, b] = [0, 1]
    const expected = (model.distanceKm(a, b) * 1.5) / 200 + model.nodes[a]!.accessMs + model.nodes[b]!.accessMs
    expect(model.oneWayMs(a, b)).toBeCloseTo(expected, 9)
  })

  it('slows a node down by scaling its access delay, and refuses bad arguments', () => {
    const model = new GeographicLatency(3, new Prng(5), { accessDelayMs: [2, 2] })
    const before = model.oneWayMs(0, 1)
    model.slowDown(0, 10)
    expect(model.oneWayMs(0, 1)).toBeCloseTo(before + 18, 9)
    expect(() => model.oneWayMs(0, 7)).toThrow(expect.objectContaining({ code: 'UNKNOWN_PEER' }))
    expect(() => new GeographicLatency(-1, new Prng(1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => new GeographicLatency(2, new Prng(1), { accessDelayMs: [5, 1] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
