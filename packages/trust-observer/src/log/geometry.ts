// Which parts of the tree a root or a proof is made of, as leaf ranges and perfect subtrees: integer
// arithmetic only, no hashes. Sizes go up to 2^53 - 1, so halving is division, never a 32-bit shift.

/** A perfect subtree: the 2^level leaves from `index · 2^level`. Every one the log holds is stored by these coordinates. */
export interface Subtree {
  readonly level: number
  readonly index: number
}

/** The leaves `start` (inclusive) to `end` (exclusive): a node of the tree, perfect or on its right edge. */
export interface LeafRange {
  readonly start: number
  readonly end: number
}

/** True when `n` is a whole number a log size or index can be: 0 ≤ n ≤ 2^53 - 1. */
export function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

/** ⌊log2 n⌋ for n ≥ 1, exactly (Math.log2 may round up just below a power of two). */
export function floorLog2(n: number): number {
  if (n < 2 ** 32) return 31 - Math.clz32(n)
  let level = 32
  while (2 ** (level + 1) <= n) level++
  return level
}

/** RFC 9162's k for a tree of `n` ≥ 2 leaves: the largest power of two smaller than n, where it splits. */
export function splitPoint(n: number): number {
  return 2 ** floorLog2(n - 1)
}

/**
 * The perfect subtrees, largest first, whose right fold is the Merkle Tree
 * Hash of the node `range` (RFC 9162 splits a node at its largest power of
 * two below its size, so its left parts are perfect and only the last part
 * of each split recurses). One subtree for a perfect node, at most log2 of
 * its size + 1 for a node on the right edge.
 */
export function perfectSubtrees(range: LeafRange): Subtree[] {
  const subtrees: Subtree[] = []
  let start = range.start
  while (start < range.end) {
    const level = floorLog2(range.end - start)
    const width = 2 ** level
    subtrees.push({ level, index: start / width })
    start += width
  }
  return subtrees
}

/** The nodes of RFC 9162's PATH(index, D[size]), in proof order (the leaf's sibling first). Requires index < size. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  const topDown: LeafRange[] = []
  let start = 0
  let end = size
  while (end - start > 1) {
    const middle = start + splitPoint(end - start)
    if (index < middle) {
      topDown.push({ start: middle, end })
      end = middle
    } else {
      topDown.push({ start, end: middle })
      start = middle
    }
  }
  return topDown.reverse()
}

/** The nodes of RFC 9162's PROOF(oldSize, D[newSize]), in proof order. Empty when oldSize is 0 or equals newSize. */
export function consistencyRanges(oldSize: number, newSize: number): LeafRange[] {
  if (oldSize === 0 || oldSize === newSize) return []
  const topDown: LeafRange[] = []
  let start = 0
  let end = newSize
  // SUBPROOF's flag: true while the old tree is still a left part of the node, whose hash the verifier knows.
  let oldIsWhole = true
  while (oldSize < end) {
    const middle = start + splitPoint(end - start)
    if (oldSize <= middle) {
      topDown.push({ start: middle, end })
      end = middle
    } else {
      topDown.push({ start, end: middle })
      start = middle
      oldIsWhole = false
    }
  }
  if (!oldIsWhole) topDown.push({ start, end })
  return topDown.reverse()
}
