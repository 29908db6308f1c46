// The proof functions against a brute-force reference written straight from RFC 9162's recursive definitions
// (MTH §2.1.1, PATH §2.1.3.1, PROOF/SUBPROOF §2.1.4.1), for every tree size up to 256; and verification against
// every mutation of a valid proof.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  Frontier,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootAt,
  rootHash,
  verifyConsistency,
  verifyInclusion
} from '../src/index.js'
import { levelsOf, sampleEntries, sourceOf, toHex } from './log-helpers.js'

const MAX_SIZE = 256
const FULL_MATRIX_SIZE = 64
const D = sampleEntries(MAX_SIZE)

// The reference, on leaf ranges [start, end) of D. MTH is memoised: D[a:b] hashes the same in every tree.
const mthMemo = new Map<string, Uint8Array>()

/** k: the largest power of two smaller than n. */
function k(n: number): number {
  let power = 1
  while (power * 2 < n) power *= 2
  return power
}

function MTH(start: number, end: number): Uint8Array {
  const key = `${start}:${end}`
  let hash = mthMemo.get(key)
  if (hash === undefined) {
    const n = end - start
    if (n === 0) hash = emptyRoot()
    else if (n === 1) hash = leafHash(D[start]!)
    else hash = nodeHash(MTH(start, start + k(n)), MTH(start + k(n), end))
    mthMemo.set(key, hash)
  }
  return hash
}

function PATH(m: number, start: number, end: number): Uint8Array[] {
  const n = end - start
  if (n === 1) return []
  const split = start + k(n)
  return m < k(n) ? [...PATH(m, start, split), MTH(split, end)] : [...PATH(m - k(n), split, end), MTH(start, split)]
}

function SUBPROOF(m: number, start: number, end: number, b: boolean): Uint8Array[] {
  const n = end - start
  if (m === n) return b ? [] : [MTH(start, end)]
  const split = start + k(n)
  return m <= k(n) ? [...SUBPROOF(m, start, split, b), MTH(split, end)] : [...SUBPROOF(m - k(n), split, end, false), MTH(start, split)]
}

function PROOF(m: number, n: number): Uint8Array[] {
  return SUBPROOF(m, 0, n, true)
}

const source = sourceOf(levelsOf(D))
const hex = (hashes: readonly Uint8Array[]): string[] => hashes.map(toHex)

describe('the proof functions against the RFC 9162 definitions', () => {
  it(`give every size up to ${MAX_SIZE} the root MTH gives it, from subtrees, from entries and from a frontier`, () => {
    const frontier = new Frontier()
    for (let size = 0; size <= MAX_SIZE; size++) {
      const expected = toHex(MTH(0, size))
      expect(toHex(rootAt(size, source))).toBe(expected)
      expect(toHex(frontier.root())).toBe(expected)
      if (size % 37 === 0) expect(toHex(rootHash(D.slice(0, size)))).toBe(expected)
      if (size < MAX_SIZE) frontier.append(leafHash(D[size]!))
    }
  })

  it(`give every leaf of every size up to ${MAX_SIZE} the PATH, which verifies`, () => {
    for (let size = 1; size <= MAX_SIZE; size++) {
      const root = MTH(0, size)
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, size, source)
        expect(hex(proof)).toEqual(hex(PATH(index, 0, size)))
        expect(verifyInclusion(leafHash(D[index]!), index, size, proof, root)).toBe(true)
      }
    }
  })

  it(`give every pair of sizes up to ${FULL_MATRIX_SIZE} the PROOF, which verifies`, () => {
    for (let newSize = 0; newSize <= FULL_MATRIX_SIZE; newSize++) {
      for (let oldSize = 0; oldSize <= newSize; oldSize++) checkConsistency(oldSize, newSize)
    }
  })

  it(`give sampled pairs of sizes up to ${MAX_SIZE} the PROOF, which verifies`, () => {
    // Every old size against the largest tree and against a power of two, plus random pairs.
    for (let oldSize = 0; oldSize <= MAX_SIZE; oldSize++) {
      checkConsistency(oldSize, MAX_SIZE)
      checkConsistency(oldSize, Math.max(oldSize, 128))
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_SIZE }), fc.integer({ min: 0, max: MAX_SIZE }), (a, b) => {
        checkConsistency(Math.min(a, b), Math.max(a, b))
      }),
      { numRuns: 2_000 }
    )
  })
})

function checkConsistency(oldSize: number, newSize: number): void {
  // PROOF is defined for 0 < m ≤ n; the empty tree is a prefix of every tree with nothing to prove.
  const expected = oldSize === 0 ? [] : PROOF(oldSize, newSize)
  const proof = consistencyProof(oldSize, newSize, source)
  expect(hex(proof)).toEqual(hex(expected))
  expect(verifyConsistency(oldSize, newSize, MTH(0, oldSize), MTH(0, newSize), proof)).toBe(true)
}

/** A proof with one bit of one hash flipped. */
function flipBit(proof: readonly Uint8Array[], element: number, bit: number): Uint8Array[] {
  return proof.map((hash, i) => {
    if (i !== element) return hash
    const flipped = hash.slice()
    flipped[bit >> 3]! ^= 1 << (bit & 7)
    return flipped
  })
}

const inclusionCase = fc
  .integer({ min: 1, max: MAX_SIZE })
  .chain((size) => fc.record({ size: fc.constant(size), index: fc.integer({ min: 0, max: size - 1 }) }))

const consistencyCase = fc
  .integer({ min: 2, max: MAX_SIZE })
  .chain((newSize) => fc.record({ newSize: fc.constant(newSize), oldSize: fc.integer({ min: 1, max: newSize - 1 }) }))

describe('verifyInclusion', () => {
  it('rejects a proof with any single bit flipped, in a hash of the proof, of the leaf or of the root', () => {
    fc.assert(
      fc.property(inclusionCase, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ size, index }, pick, bit) => {
        const proof = inclusionProof(index, size, source)
        const leaf = leafHash(D[index]!)
        const root = MTH(0, size)
        const target = pick % (proof.length + 2)
        if (target < proof.length) return !verifyInclusion(leaf, index, size, flipBit(proof, target, bit), root)
        if (target === proof.length) return !verifyInclusion(flipBit([leaf], 0, bit)[0]!, index, size, proof, root)
        return !verifyInclusion(leaf, index, size, proof, flipBit([root], 0, bit)[0]!)
      }),
      { numRuns: 3_000 }
    )
  })

  // Another size may share a path's shape (5 and 6 do for leaf 0): the signed tree head binds a root to its size,
  // not the path. Another index of the same size never does, nor the probes of transparency-dev/merkle.
  it('rejects a proof one hash short or long, another index of the same size, and the size doubled or halved', () => {
    fc.assert(
      fc.property(inclusionCase, fc.nat(), ({ size, index }, other) => {
        const proof = inclusionProof(index, size, source)
        const leaf = leafHash(D[index]!)
        const root = MTH(0, size)
        expect(verifyInclusion(leaf, index, size, proof.slice(1), root)).toBe(proof.length === 0)
        expect(verifyInclusion(leaf, index, size, proof.slice(0, -1), root)).toBe(proof.length === 0)
        expect(verifyInclusion(leaf, index, size, [...proof, root], root)).toBe(false)
        expect(verifyInclusion(leaf, index, size, [root, ...proof], root)).toBe(false)
        const otherIndex = (index + 1 + (other % size)) % (size + 1)
        if (otherIndex !== index) expect(verifyInclusion(leaf, otherIndex, size, proof, root)).toBe(false)
        expect(verifyInclusion(leaf, index, size * 2, proof, root)).toBe(false)
        if (size > 1) expect(verifyInclusion(leaf, index, Math.floor(size / 2), proof, root)).toBe(false)
        expect(verifyInclusion(leaf, index ^ 2, size, proof, root)).toBe(false)
      }),
      { numRuns: 2_000 }
    )
  })

  it('returns false, never throws, on malformed input', () => {
    const proof = inclusionProof(3, 10, source)
    const leaf = leafHash(D[3]!)
    const root = MTH(0, 10)
    const bad: [Uint8Array, number, number, readonly Uint8Array[], Uint8Array][] = [
      [leaf, 10, 10, proof, root],
      [leaf, 11, 10, proof, root],
      [leaf, -1, 10, proof, root],
      [leaf, 3.5, 10, proof, root],
      [leaf, 3, Number.NaN, proof, root],
      [leaf, 3, 2 ** 53, proof, root],
      [leaf, 0, 0, [], emptyRoot()],
      [leaf.subarray(1), 3, 10, proof, root],
      [leaf, 3, 10, proof, root.subarray(0, 31)],
      [leaf, 3, 10, [...proof.slice(0, -1), new Uint8Array(33)], root],
      [leaf, 3, 10, Array.from({ length: 200 }, () => root), root],
      [leaf, 3, 10, [undefined as unknown as Uint8Array], root],
      [leaf, 3, 10, 'proof' as unknown as Uint8Array[], root]
    ]
    for (const args of bad) expect(verifyInclusion(...args)).toBe(false)
  })
})

describe('verifyConsistency', () => {
  it('rejects a proof with any single bit flipped, in a hash of the proof or of either root', () => {
    fc.assert(
      fc.property(consistencyCase, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ oldSize, newSize }, pick, bit) => {
        const proof = consistencyProof(oldSize, newSize, source)
        const oldRoot = MTH(0, oldSize)
        const newRoot = MTH(0, newSize)
        const target = pick % (proof.length + 2)
        if (target < proof.length) return !verifyConsistency(oldSize, newSize, oldRoot, newRoot, flipBit(proof, target, bit))
        if (target === proof.length) return !verifyConsistency(oldSize, newSize, flipBit([oldRoot], 0, bit)[0]!, newRoot, proof)
        return !verifyConsistency(oldSize, newSize, oldRoot, flipBit([newRoot], 0, bit)[0]!, proof)
      }),
      { numRuns: 3_000 }
    )
  })

  it('rejects a proof one hash short or long, swapped roots, another old size, and the new size doubled or halved', () => {
    fc.assert(
      fc.property(consistencyCase, fc.nat(), ({ oldSize, newSize }, other) => {
        const proof = consistencyProof(oldSize, newSize, source)
        const oldRoot = MTH(0, oldSize)
        const newRoot = MTH(0, newSize)
        expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.slice(1))).toBe(false)
        expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.slice(0, -1))).toBe(false)
        expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, [...proof, newRoot])).toBe(false)
        expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, [oldRoot, ...proof])).toBe(false)
        expect(verifyConsistency(oldSize, newSize, newRoot, oldRoot, proof)).toBe(false)
        const otherOldSize = other % (newSize + 1)
        if (otherOldSize !== oldSize) expect(verifyConsistency(otherOldSize, newSize, oldRoot, newRoot, proof)).toBe(false)
        expect(verifyConsistency(oldSize, newSize * 2, oldRoot, newRoot, proof)).toBe(false)
        expect(verifyConsistency(oldSize, Math.floor(newSize / 2), oldRoot, newRoot, proof)).toBe(false)
        if ((oldSize ^ 2) !== oldSize) expect(verifyConsistency(oldSize ^ 2, newSize, oldRoot, newRoot, proof)).toBe(false)
      }),
      { numRuns: 2_000 }
    )
  })

  it('holds equal sizes to equal roots and an empty proof, and the empty tree to SHA-256 of nothing', () => {
    const root = MTH(0, 5)
    expect(verifyConsistency(5, 5, root, root, [])).toBe(true)
    expect(verifyConsistency(5, 5, root, MTH(0, 4), [])).toBe(false)
    expect(verifyConsistency(5, 5, root, root, [root])).toBe(false)
    expect(verifyConsistency(0, 5, emptyRoot(), root, [])).toBe(true)
    expect(verifyConsistency(0, 5, root, root, [])).toBe(false)
    expect(verifyConsistency(0, 5, emptyRoot(), root, [root])).toBe(false)
    expect(verifyConsistency(0, 0, emptyRoot(), emptyRoot(), [])).toBe(true)
  })

  it('returns false, never throws, on malformed input', () => {
    const proof = consistencyProof(3, 10, source)
    const oldRoot = MTH(0, 3)
    const newRoot = MTH(0, 10)
    const bad: [number, number, Uint8Array, Uint8Array, readonly Uint8Array[]][] = [
      [10, 3, oldRoot, newRoot, proof],
      [-1, 10, oldRoot, newRoot, proof],
      [3, 10.5, oldRoot, newRoot, proof],
      [3, Number.POSITIVE_INFINITY, oldRoot, newRoot, proof],
      [3, 10, oldRoot.subarray(1), newRoot, proof],
      [3, 10, oldRoot, new Uint8Array(64), proof],
      [3, 10, oldRoot, newRoot, [...proof, new Uint8Array(0)]],
      [3, 10, oldRoot, newRoot, []],
      [3, 10, oldRoot, newRoot, Array.from({ length: 500 }, () => newRoot)],
      [3, 10, oldRoot, newRoot, [null as unknown as Uint8Array]]
    ]
    for (const args of bad) expect(verifyConsistency(...args)).toBe(false)
  })
})
