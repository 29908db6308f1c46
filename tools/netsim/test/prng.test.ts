import { describe, expect, it } from 'vitest'
import { EventQueue, Prng } from '../src/index.js'

describe('Prng (sfc32)', () => {
  it('repeats its sequence for a seed and stream, and differs across them', () => {
    const draw = (p: Prng): number[] => Array.from({ length: 8 }, () => p.nextUint32())
    expect(draw(new Prng(42))).toEqual(draw(new Prng(42)))
    expect(draw(new Prng(42))).not.toEqual(draw(new Prng(43)))
    expect(draw(new Prng(42, 1))).not.toEqual(draw(new Prng(42, 2)))
    expect(draw(new Prng(42, 1, 0))).not.toEqual(draw(new Prng(42, 0, 1)))
  })

  it('draws uniformly: floats in [0, 1), ints in [0, n), each bucket near its share', () => {
    const p = new Prng(7)
    const buckets = new Array<number>(10).fill(0)
    for (let i = 0; i < 100_000; i++) {
      const f = p.float()
      expect(f >= 0 && f < 1).toBe(true)
      buckets[Math.floor(f * 10)]!++
    }
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500) // sd ≈ 95
    const ints = new Set(Array.from({ length: 1000 }, () => p.int(6)))
    expect([...ints].sort()).toEqual([0, 1, 2, 3, 4, 5])
    let hits = 0
    for (let i = 0; i < 10_000; i++) if (p.chance(0.25)) hits++
    expect(Math.abs(hits - 2500)).toBeLessThan(250)
    expect(p.chance(0)).toBe(false)
  })

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 50 }, (_, i) => i)
    const shuffled = new Prng(1).shuffle([...items])
    expect(shuffled).not.toEqual(items)
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items)
  })
})

describe('EventQueue', () => {
  it('pops by time, and by insertion order at equal times', () => {
    const q = new EventQueue<{ time: number; seq: number; name: string }>()
    const p = new Prng(3)
    const items = Array.from({ length: 2000 }, (_, i) => ({ time: p.int(50), seq: 0, name: `e${i}` }))
    for (const item of items) q.push(item)
    expect(q.size).toBe(2000)
    const out: { time: number; seq: number }[] = []
    while (q.size > 0) out.push(q.pop()!)
    const expected = [...items].sort((a, b) => a.time - b.time || a.seq - b.seq)
    expect(out).toEqual(expected)
    expect(out.map((e) => e.time)).toEqual([...out.map((e) => e.time)].sort((a, b) => a - b))
    expect(q.pop()).toBeUndefined()
    // Ties keep insertion order: the first item at time 0 was pushed before the second.
    const zeros = out.filter((e) => e.time === 0).map((e) => e.seq)
    expect(zeros).toEqual([...zeros].sort((a, b) => a - b))
  })
})
