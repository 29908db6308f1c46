import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compareOps, type OpPosition } from '../src/core/hlc.js'
import { END, START, boundBetween, compareBounds, isBefore, type Bound } from '../src/sync/bound.js'
import { rangeFingerprint } from '../src/sync/fingerprint.js'
import { OpIndex } from '../src/sync/op-index.js'
import { isDscsError } from '@dscs/interface'

// Ops drawn from a seeded generator: times with many ties, authors that share 31 bytes, ids that share up to 7.
function randomOps(seed: number, count: number): OpPosition[] {
  let state = seed >>> 0 || 1
  const next = (): number => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 0x1_0000_0000
  }
  const authors = [0, 1, 2, 255].map((last) => new Uint8Array(32).fill(7).map((byte, i) => (i === 31 ? last : byte)))
  const ops: OpPosition[] = []
  for (let i = 0; i < count; i++) {
    const id = new Uint8Array(32).map(() => Math.floor(next() * 256))
    const previous = ops[Math.floor(next() * ops.length)]
    if (previous !== undefined && next() < 0.3) id.set(previous.id.subarray(0, Math.floor(next() * 8)))
    ops.push({ wall: Math.floor(next() * 40), counter: Math.floor(next() * 3), author: authors[Math.floor(next() * 4)]!, id })
  }
  return ops
}

// The fingerprint computed the slow, obvious way: a BigInt sum over the ops in range.
function naiveFingerprint(ops: readonly OpPosition[]): Uint8Array {
  let sum = 0n
  for (const op of ops) sum += BigInt(`0x${Buffer.from(op.id).reverse().toString('hex')}`)
  sum %= 1n << 256n
  const limbs = new Uint32Array(8).map((_, i) => Number((sum >> BigInt(32 * i)) & 0xffffffffn))
  return rangeFingerprint(limbs, 0, ops.length)
}

function inRange(ops: readonly OpPosition[], lower: Bound, upper: Bound): OpPosition[] {
  return ops.filter((op) => !isBefore(op, lower) && isBefore(op, upper)).sort(compareOps)
}

// Bounds at op positions and between neighbours, plus the ends: every kind of place a range can start.
function boundsOf(ops: readonly OpPosition[]): Bound[] {
  const sorted = [...ops].sort(compareOps)
  const bounds = [START, END]
  for (let i = 1; i < sorted.length; i++) bounds.push(boundBetween(sorted[i - 1]!, sorted[i]!))
  return bounds.sort(compareBounds)
}

const setup = fc.record({ seed: fc.integer(), count: fc.integer({ min: 0, max: 400 }) })

describe('bounds', () => {
  it('boundBetween separates neighbours with a canonical prefix', () => {
    fc.assert(
      fc.property(setup, ({ seed, count }) => {
        const sorted = randomOps(seed, count).sort(compareOps)
        for (let i = 1; i < sorted.length; i++) {
          const bound = boundBetween(sorted[i - 1]!, sorted[i]!)
          expect(isBefore(sorted[i - 1]!, bound)).toBe(true)
          expect(isBefore(sorted[i]!, bound)).toBe(false)
          expect(bound.prefix.at(-1)).not.toBe(0)
        }
      })
    )
  })

  it('orders bounds as they split ops: a later bound has every op the earlier one has before it', () => {
    fc.assert(
      fc.property(setup, ({ seed, count }) => {
        const ops = randomOps(seed, count % 100)
        const bounds = boundsOf(ops)
        for (let i = 1; i < bounds.length; i++) {
          expect(compareBounds(bounds[i - 1]!, bounds[i]!)).toBeLessThanOrEqual(0)
          expect(ops.filter((op) => isBefore(op, bounds[i - 1]!) && !isBefore(op, bounds[i]!))).toEqual([])
        }
      })
    )
  })
})

describe('OpIndex', () => {
  it('counts, lists and fingerprints every range as a scan of the ops would', () => {
    fc.assert(
      fc.property(setup, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }), ({ seed, count }, picks) => {
        const ops = randomOps(seed, count)
        const index = new OpIndex()
        for (const op of ops) index.insert(op)
        const bounds = boundsOf(ops)
        for (const [a, b] of [[0, bounds.length - 1] as const, ...picks]) {
          const [lower, upper] = [bounds[a % bounds.length]!, bounds[b % bounds.length]!].sort(compareBounds) as [Bound, Bound]
          const expected = inRange(ops, lower, upper)
          expect(index.count(lower, upper)).toBe(expected.length)
          expect(index.list(lower, upper)).toEqual(expected)
          expect(index.fingerprint(lower, upper)).toEqual(naiveFingerprint(expected))
        }
      })
    )
  })

  it('ends in the same fingerprints whatever the order of inserts and deletes that lead to the same set', () => {
    fc.assert(
      fc.property(setup, fc.integer(), ({ seed, count }, shuffleSeed) => {
        const ops = randomOps(seed, count)
        const kept = ops.filter((_, i) => i % 3 === 0)
        const churned = new OpIndex()
        // Insert everything in a shuffled order, then delete two ops in three: splits, merges and removals on the way.
        const order = [...ops.keys()].sort((x, y) => ((x * 7919 + shuffleSeed) % 1009) - ((y * 7919 + shuffleSeed) % 1009))
        for (const i of order) expect(churned.insert(ops[i]!)).toBe(true)
        for (const i of order) if (i % 3 !== 0) expect(churned.delete(ops[i]!.id)).toBe(true)
        const bulk = OpIndex.from([...kept].reverse())
        expect(churned.size).toBe(kept.length)
        expect(bulk.size).toBe(kept.length)
        for (const bound of boundsOf(ops)) {
          expect(churned.fingerprint(START, bound)).toEqual(bulk.fingerprint(START, bound))
          expect(churned.fingerprint(bound, END)).toEqual(bulk.fingerprint(bound, END))
          expect(churned.rank(bound)).toBe(bulk.rank(bound))
        }
        expect(churned.slice(0, churned.size)).toEqual(kept.sort(compareOps))
      })
    )
  })

  it('tells sets apart: one op more or less changes the fingerprint', () => {
    const ops = randomOps(1, 1_000)
    const index = OpIndex.from(ops)
    const before = index.fingerprint(START, END)
    index.delete(ops[500]!.id)
    expect(index.fingerprint(START, END)).not.toEqual(before)
    index.insert(ops[500]!)
    expect(index.fingerprint(START, END)).toEqual(before)
  })

  it('keeps one op per id and answers by id', () => {
    const [op] = randomOps(2, 1) as [OpPosition]
    const index = new OpIndex()
    expect(index.insert(op)).toBe(true)
    expect(index.insert({ ...op, wall: op.wall + 1 })).toBe(false)
    expect(index.size).toBe(1)
    expect(index.has(op.id)).toBe(true)
    expect(index.get(op.id)).toBe(op)
    expect(index.delete(op.id)).toBe(true)
    expect(index.delete(op.id)).toBe(false)
    expect(index.has(op.id)).toBe(false)
    expect(index.fingerprint(START, END)).toEqual(naiveFingerprint([]))
  })

  it('refuses ranks outside the index with INVALID_OPTION', () => {
    const index = OpIndex.from(randomOps(4, 10))
    const invalid: unknown = expect.toSatisfy((err) => isDscsError(err, 'INVALID_OPTION'))
    expect(() => index.at(10)).toThrow(invalid)
    expect(() => index.at(-1)).toThrow(invalid)
    expect(() => index.slice(0, 11)).toThrow(invalid)
    expect(() => index.slice(5, 4)).toThrow(invalid)
    expect(() => index.fingerprintOf(0, 1.5)).toThrow(invalid)
    expect(index.slice(0, 10).length).toBe(10)
  })

  it('refuses malformed positions with BAD_OP_POSITION and stays unchanged', () => {
    const [op] = randomOps(3, 1) as [OpPosition]
    const index = new OpIndex()
    for (const bad of [
      { ...op, id: op.id.subarray(0, 31) },
      { ...op, author: new Uint8Array(33) },
      { ...op, wall: -1 },
      { ...op, wall: 0.5 },
      { ...op, counter: 0x10000 }
    ]) {
      expect(() => index.insert(bad)).toThrow(expect.toSatisfy((err) => isDscsError(err, 'BAD_OP_POSITION')))
      expect(() => OpIndex.from([bad])).toThrow(expect.toSatisfy((err) => isDscsError(err, 'BAD_OP_POSITION')))
    }
    expect(index.size).toBe(0)
  })
})
