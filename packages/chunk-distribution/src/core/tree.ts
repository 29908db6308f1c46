import { HASH_BYTES } from './constants.js'
import { ChunkError } from './errors.js'
import { nodeHash } from './hash.js'

/** The position of a node's sibling at the same level (which may lie past the level's end). */
export function siblingOf(position: number): number {
  return position % 2 === 0 ? position + 1 : position - 1
}

/**
 * The shape of the Merkle tree over `leafCount` leaves, built level by level:
 * level 0 holds the leaves; each next level pairs neighbours (0,1), (2,3), …
 * into their parent, and a last node left without a partner is promoted to
 * the next level unchanged — never paired with a copy of itself, which would
 * let two different leaf lists share a root. The result is the left-balanced
 * tree of RFC 9162 (a tree of n leaves splits at the largest power of two
 * below n). The last level holds the root; an empty tree has no levels.
 *
 * Nodes live in one table of `slotCount` slots, level after level.
 */
export class TreeShape {
  readonly leafCount: number
  /** Nodes per level, leaves first, root (1) last. */
  readonly levels: readonly number[]
  readonly slotCount: number
  readonly #offsets: readonly number[]

  constructor(leafCount: number) {
    const levels: number[] = []
    for (let count = leafCount; count > 0; count = count === 1 ? 0 : Math.ceil(count / 2)) levels.push(count)
    const offsets: number[] = []
    let slots = 0
    for (const count of levels) {
      offsets.push(slots)
      slots += count
    }
    this.leafCount = leafCount
    this.levels = levels
    this.slotCount = slots
    this.#offsets = offsets
  }

  /** The table slot of the node at `position` of `level`. */
  slot(level: number, position: number): number {
    return this.#offsets[level]! + position
  }

  /** How many siblings the proof of leaf `index` holds: one per level below the root where its path node has a partner. */
  proofLength(index: number): number {
    let length = 0
    let position = index
    for (let level = 0; level < this.levels.length - 1; level++) {
      if (siblingOf(position) < this.levels[level]!) length++
      position = Math.floor(position / 2)
    }
    return length
  }
}

/** A chunk whose path checked out against the root: what a store records of it. */
export interface VerifiedPath {
  readonly index: number
  /** The path nodes from the leaf (first) to the root (last), one per level; a promoted level repeats the node below it. */
  readonly path: readonly Uint8Array[]
  /** The siblings that proved it, 32 bytes each, leaf level first. */
  readonly proof: Uint8Array
}

/**
 * The nodes of one content's tree that this peer knows: all of them for
 * content it published, and for a download, the paths and siblings of the
 * chunks verified so far — enough to prove every chunk it holds to others.
 * Nodes are 32-byte slots in one table (see {@link TreeShape}); a slot of
 * zeros is unknown, since SHA-256 yields all zeros with probability 2^-256.
 * Only verified nodes are ever set.
 */
export class MerkleNodes {
  readonly shape: TreeShape
  /** The table: `shape.slotCount` slots of 32 bytes, as persisted. */
  readonly bytes: Uint8Array

  constructor(shape: TreeShape, bytes: Uint8Array = new Uint8Array(shape.slotCount * HASH_BYTES)) {
    if (bytes.length !== shape.slotCount * HASH_BYTES) {
      throw new ChunkError('BAD_LENGTH', `a node table of ${bytes.length} bytes for a tree of ${shape.slotCount} nodes`)
    }
    this.shape = shape
    this.bytes = bytes
  }

  /** A table that knows only the root: where a download starts. */
  static forRoot(shape: TreeShape, root: Uint8Array): MerkleNodes {
    const nodes = new MerkleNodes(shape)
    if (shape.levels.length > 0) nodes.bytes.set(root, shape.slot(shape.levels.length - 1, 0) * HASH_BYTES)
    return nodes
  }

  /** A table read back from storage: slots past the end of `stored` are unknown, and the root is the one given (the manifest's). */
  static restore(shape: TreeShape, root: Uint8Array, stored: Uint8Array): MerkleNodes {
    const nodes = MerkleNodes.forRoot(shape, root)
    const rootSlot = shape.slotCount - 1
    nodes.bytes.set(stored.subarray(0, Math.max(rootSlot, 0) * HASH_BYTES))
    return nodes
  }

  /** The whole tree over `leaves`, the leaf hashes concatenated in order. */
  static fromLeaves(shape: TreeShape, leaves: Uint8Array): MerkleNodes {
    const nodes = new MerkleNodes(shape)
    nodes.bytes.set(leaves.subarray(0, shape.leafCount * HASH_BYTES))
    const { levels } = shape
    for (let level = 0; level < levels.length - 1; level++) {
      for (let position = 0; position < levels[level + 1]!; position++) {
        const left = nodes.#at(shape.slot(level, 2 * position))
        const parent = 2 * position + 1 < levels[level]! ? nodeHash(left, nodes.#at(shape.slot(level, 2 * position + 1))) : left
        nodes.bytes.set(parent, shape.slot(level + 1, position) * HASH_BYTES)
      }
    }
    return nodes
  }

  /** The node at `position` of `level`, or undefined while unknown. */
  node(level: number, position: number): Uint8Array | undefined {
    const hash = this.#at(this.shape.slot(level, position))
    return isUnknown(hash) ? undefined : hash
  }

  /** The proof of leaf `index` from the known nodes, or undefined when a sibling is unknown. */
  proof(index: number): Uint8Array | undefined {
    const { levels } = this.shape
    const proof = new Uint8Array(this.shape.proofLength(index) * HASH_BYTES)
    let filled = 0
    let position = index
    for (let level = 0; level < levels.length - 1; level++) {
      const sibling = siblingOf(position)
      if (sibling < levels[level]!) {
        const hash = this.node(level, sibling)
        if (hash === undefined) return undefined
        proof.set(hash, filled)
        filled += HASH_BYTES
      }
      position = Math.floor(position / 2)
    }
    return proof
  }

  /** Records the path and siblings of a verified chunk; returns the slots that were unknown until now. */
  absorb(verified: VerifiedPath): number[] {
    const { levels } = this.shape
    const learned: number[] = []
    let position = verified.index
    let used = 0
    for (let level = 0; level < levels.length; level++) {
      this.#learn(this.shape.slot(level, position), verified.path[level]!, learned)
      const sibling = siblingOf(position)
      if (level < levels.length - 1 && sibling < levels[level]!) {
        this.#learn(this.shape.slot(level, sibling), verified.proof.subarray(used, used + HASH_BYTES), learned)
        used += HASH_BYTES
      }
      position = Math.floor(position / 2)
    }
    return learned
  }

  #learn(slot: number, hash: Uint8Array, learned: number[]): void {
    if (!isUnknown(this.#at(slot))) return
    this.bytes.set(hash, slot * HASH_BYTES)
    learned.push(slot)
  }

  #at(slot: number): Uint8Array {
    return this.bytes.subarray(slot * HASH_BYTES, (slot + 1) * HASH_BYTES)
  }
}

function isUnknown(hash: Uint8Array): boolean {
  for (const byte of hash) if (byte !== 0) return false
  return true
}
