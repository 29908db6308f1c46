import type { Subtree } from './geometry.js'
import { emptyRoot, nodeHash } from './hash.js'

/**
 * The right edge of a growing tree: the hashes of the perfect subtrees the
 * first `size` leaves decompose into, largest first (one per set bit of
 * size). Enough to append a leaf, to name every perfect subtree the leaf
 * completes, and to compute the current root, without the rest of the tree.
 */
export class Frontier {
  #size: number
  readonly #hashes: Uint8Array[]

  /** A frontier resumed at `size` from the hashes of its perfect parts (`perfectSubtrees({ start: 0, end: size })`). */
  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    this.#size = size
    this.#hashes = [...hashes]
  }

  get size(): number {
    return this.#size
  }

  /** A copy that appends without changing this one, so a failed write leaves the committed frontier as it was. */
  clone(): Frontier {
    return new Frontier(this.#size, this.#hashes)
  }

  /** Appends the leaf hash `leaf` and reports every perfect subtree it completes, the leaf itself first. */
  append(leaf: Uint8Array, completed?: (subtree: Subtree, hash: Uint8Array) => void): void {
    let hash = leaf
    let level = 0
    let index = this.#size
    completed?.({ level, index }, hash)
    // Each trailing 1 bit of the index closes a perfect subtree with its left neighbour on the edge.
    while (index % 2 === 1) {
      hash = nodeHash(this.#hashes.pop()!, hash)
      level++
      index = (index - 1) / 2
      completed?.({ level, index }, hash)
    }
    this.#hashes.push(hash)
    this.#size++
  }

  /** The Merkle Tree Hash of the leaves appended so far. */
  root(): Uint8Array {
    return this.#hashes.length === 0 ? emptyRoot() : foldRight(this.#hashes)
  }
}

/** The right fold RFC 9162 gives a node from its perfect parts, largest first: H(p0, H(p1, … H(pk-1, pk))). */
export function foldRight(parts: readonly Uint8Array[]): Uint8Array {
  let hash = parts[parts.length - 1]!
  for (let i = parts.length - 2; i >= 0; i--) hash = nodeHash(parts[i]!, hash)
  return hash
}
