import { describe, expect, it } from 'vitest'
import { Prng } from '@dscs/netsim'
import { MAX_ERROR, RttFilter, Vivaldi, distance, type Coordinate } from '../src/index.js'

// Four nodes at the corners of a 30 × 40 ms rectangle, each behind a 5 ms access link.
const PLACES = [
  [0, 0],
  [30, 0],
  [0, 40],
  [30, 40]
] as const
const trueRtt = (i: number, j: number): number => Math.hypot(PLACES[i]![0] - PLACES[j]![0], PLACES[i]![1] - PLACES[j]![1]) + 10

describe('Vivaldi', () => {
  it('learns coordinates that predict the RTTs of a small network, and its error estimate falls', () => {
    const rng = new Prng(3)
    const nodes = PLACES.map(() => new Vivaldi({ dimensions: 2, random: () => rng.float() }))
    expect(nodes[0]!.coordinate.error).toBe(MAX_ERROR)
    for (let round = 0; round < 400; round++) {
      for (let i = 0; i < nodes.length; i++) {
        const j = (i + 1 + rng.int(nodes.length - 1)) % nodes.length
        nodes[i]!.update(trueRtt(i, j), nodes[j]!.coordinate)
      }
    }
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const predicted = distance(nodes[i]!.coordinate, nodes[j]!.coordinate)
        expect(Math.abs(predicted - trueRtt(i, j)) / trueRtt(i, j)).toBeLessThan(0.1)
      }
      expect(nodes[i]!.coordinate.error).toBeLessThan(0.15)
      expect(nodes[i]!.coordinate.height).toBeGreaterThan(0)
    }
  })

  it('ignores samples and coordinates out of range: a hostile peer cannot fling the coordinate away', () => {
    const node = new Vivaldi({ random: () => 0.3 })
    const before = node.coordinate
    const hostile: Coordinate[] = [
      { vector: [1e12, 0, 0], height: 1, error: 0.1 },
      { vector: [Number.NaN, 0, 0], height: 1, error: 0.1 },
      { vector: [1, 2], height: 1, error: 0.1 },
      { vector: [1, 2, 3], height: -1, error: 0.1 },
      { vector: [1, 2, 3], height: 1, error: 0 }
    ]
    for (const remote of hostile) expect(node.update(50, remote)).toBe(false)
    expect(node.update(-5, { vector: [1, 2, 3], height: 1, error: 0.5 })).toBe(false)
    expect(node.update(Infinity, { vector: [1, 2, 3], height: 1, error: 0.5 })).toBe(false)
    expect(node.coordinate).toEqual(before)
    // A peer claiming near certainty moves this node no more than one at the floor of remote errors would.
    const sure = new Vivaldi({ random: () => 0.3 })
    const floor = new Vivaldi({ random: () => 0.3 })
    sure.update(100, { vector: [10, 0, 0], height: 1, error: 1e-9 })
    floor.update(100, { vector: [10, 0, 0], height: 1, error: 0.05 })
    expect(sure.coordinate).toEqual(floor.coordinate)
  })

  it('refuses dimensions and gains out of range', () => {
    expect(() => new Vivaldi({ dimensions: 1, random: Math.random })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => new Vivaldi({ dimensions: 9, random: Math.random })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
    expect(() => new Vivaldi({ timestepGain: 0, random: Math.random })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }))
  })
})

describe('RttFilter', () => {
  it('tracks the low percentile of recent samples, so an outlier does not pass through', () => {
    const filter = new RttFilter(8)
    for (const rtt of [50, 52, 51, 49, 50]) filter.add(rtt)
    expect(filter.add(5_000)).toBeLessThanOrEqual(52)
    expect(filter.value).toBe(50)
    // A lasting change of path does come through once it fills most of the window.
    for (let i = 0; i < 7; i++) filter.add(120)
    expect(filter.value).toBe(120)
  })
})
