import { LogError } from './errors.js'
import { consistencyRanges, inclusionRanges, isCount, perfectSubtrees, type LeafRange, type Subtree } from './geometry.js'
import { Frontier, foldRight } from './frontier.js'
import { emptyRoot, leafHash } from './hash.js'

/**
 * The hash of a perfect subtree of the log. A stored log answers from its
 * store (after reading every subtree a proof needs, see
 * {@link inclusionSubtrees}); a list of leaves in memory from its levels.
 */
export type SubtreeSource = (subtree: Subtree) => Uint8Array

/** The Merkle Tree Hash of the node `range`, from its perfect parts. */
export function rangeHash(range: LeafRange, source: SubtreeSource): Uint8Array {
  return foldRight(perfectSubtrees(range).map(source))
}

/** The Merkle Tree Hash of the first `size` leaves of the log behind `source`: popcount(size) subtrees read. */
export function rootAt(size: number, source: SubtreeSource): Uint8Array {
  if (!isCount(size)) throw new LogError('OUT_OF_RANGE', `tree size ${size} is not a whole number below 2^53`)
  return size === 0 ? emptyRoot() : rangeHash({ start: 0, end: size }, source)
}

/** The Merkle Tree Hash of `entries`, MTH(D[n]) of RFC 9162. */
export function rootHash(entries: readonly Uint8Array[]): Uint8Array {
  const frontier = new Frontier()
  for (const entry of entries) frontier.append(leafHash(entry))
  return frontier.root()
}

/**
 * The inclusion proof (audit path) of leaf `index` in the tree of the first
 * `size` leaves, RFC 9162 §2.1.3.1, byte for byte. At most 2·log2(size)
 * subtrees read. Throws `OUT_OF_RANGE` unless 0 ≤ index < size.
 */
export function inclusionProof(index: number, size: number, source: SubtreeSource): Uint8Array[] {
  checkInclusionArguments(index, size)
  return inclusionRanges(index, size).map((range) => rangeHash(range, source))
}

/**
 * The consistency proof between the trees of the first `oldSize` and
 * `newSize` leaves, RFC 9162 §2.1.4.1, byte for byte; empty when oldSize is
 * 0 or equals newSize. Throws `OUT_OF_RANGE` unless 0 ≤ oldSize ≤ newSize.
 */
export function consistencyProof(oldSize: number, newSize: number, source: SubtreeSource): Uint8Array[] {
  checkConsistencyArguments(oldSize, newSize)
  return consistencyRanges(oldSize, newSize).map((range) => rangeHash(range, source))
}

/** Every subtree {@link inclusionProof} reads, so a store can fetch them at once. */
export function inclusionSubtrees(index: number, size: number): Subtree[] {
  checkInclusionArguments(index, size)
  return inclusionRanges(index, size).flatMap(perfectSubtrees)
}

/** Every subtree {@link consistencyProof} reads. */
export function consistencySubtrees(oldSize: number, newSize: number): Subtree[] {
  checkConsistencyArguments(oldSize, newSize)
  return consistencyRanges(oldSize, newSize).flatMap(perfectSubtrees)
}

/** Every subtree {@link rootAt} reads. */
export function rootSubtrees(size: number): Subtree[] {
  if (!isCount(size)) throw new LogError('OUT_OF_RANGE', `tree size ${size} is not a whole number below 2^53`)
  return perfectSubtrees({ start: 0, end: size })
}

function checkInclusionArguments(index: number, size: number): void {
  if (!isCount(index) || !isCount(size) || index >= size) {
    throw new LogError('OUT_OF_RANGE', `no leaf ${index} in a tree of ${size} leaves`)
  }
}

function checkConsistencyArguments(oldSize: number, newSize: number): void {
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize) {
    throw new LogError('OUT_OF_RANGE', `no consistency proof from size ${oldSize} to size ${newSize}`)
  }
}
