import { HASH_BYTES } from './constants.js'
import { checkHeader, type ContentHeader } from './content-id.js'
import { ChunkError } from './errors.js'
import { equalHashes, leafHash, nodeHash } from './hash.js'
import type { ContentLayout } from './layout.js'
import { TreeShape, siblingOf, type VerifiedPath } from './tree.js'

/** Every path a verifier proved, with the bytes and root it proved them for: a store handed one skips hashing again. */
const proven = new WeakMap<VerifiedPath, { readonly data: Uint8Array; readonly root: Uint8Array }>()

/**
 * True when `verified` came from a {@link ChunkVerifier} that proved these
 * very `data` (the same object) as its chunk under `root`. Paths cannot be
 * forged: only a verifier registers them.
 */
export function provenFor(verified: VerifiedPath, data: Uint8Array, root: Uint8Array): boolean {
  const proof = proven.get(verified)
  return proof !== undefined && proof.data === data && equalHashes(proof.root, root)
}

/**
 * Checks chunks of one content against its root, each on its own: the
 * chunk's index, its length, the length of its proof, then the hashes,
 * cheapest check first. Every failure is a {@link ChunkError}: `BAD_INDEX`,
 * `BAD_LENGTH`, `BAD_PROOF` or `HASH_MISMATCH`.
 */
export class ChunkVerifier {
  readonly header: ContentHeader
  readonly layout: ContentLayout
  readonly shape: TreeShape

  constructor(header: ContentHeader) {
    this.layout = checkHeader(header)
    this.header = header
    this.shape = new TreeShape(this.layout.chunkCount)
  }

  /** Verifies `data` as chunk `index` with `proof` (the sibling hashes, leaf level first). */
  verify(index: number, data: Uint8Array, proof: Uint8Array): VerifiedPath {
    this.layout.checkIndex(index)
    const expected = this.layout.chunkLength(index)
    if (data.length !== expected) throw new ChunkError('BAD_LENGTH', `chunk ${index} of ${data.length} bytes; it has ${expected}`)
    this.#checkProofLength(index, proof)
    const verified = this.#walk(index, leafHash(data), proof)
    proven.set(verified, { data, root: this.header.root })
    return verified
  }

  /** Verifies `leaf` as the leaf hash of chunk `index` with `proof`. */
  verifyLeaf(index: number, leaf: Uint8Array, proof: Uint8Array): VerifiedPath {
    this.layout.checkIndex(index)
    if (leaf.length !== HASH_BYTES) throw new ChunkError('BAD_LENGTH', `a leaf hash of ${leaf.length} bytes`)
    this.#checkProofLength(index, proof)
    return this.#walk(index, leaf, proof)
  }

  #checkProofLength(index: number, proof: Uint8Array): void {
    const siblings = this.shape.proofLength(index)
    if (proof.length !== siblings * HASH_BYTES) {
      throw new ChunkError('BAD_PROOF', `a proof of ${proof.length} bytes for chunk ${index}; its path has ${siblings} siblings of ${HASH_BYTES} bytes`)
    }
  }

  #walk(index: number, leaf: Uint8Array, proof: Uint8Array): VerifiedPath {
    const { levels } = this.shape
    const path = [leaf]
    let node = leaf
    let position = index
    let used = 0
    for (let level = 0; level < levels.length - 1; level++) {
      if (siblingOf(position) < levels[level]!) {
        const sibling = proof.subarray(used, used + HASH_BYTES)
        used += HASH_BYTES
        node = position % 2 === 0 ? nodeHash(node, sibling) : nodeHash(sibling, node)
      }
      path.push(node)
      position = Math.floor(position / 2)
    }
    if (!equalHashes(node, this.header.root)) throw new ChunkError('HASH_MISMATCH', `chunk ${index} and its proof do not hash to the content's root`)
    return { index, path, proof }
  }
}

/** Verifies one chunk against the content `header`; see {@link ChunkVerifier} to verify many. */
export function verifyChunk(header: ContentHeader, index: number, data: Uint8Array, proof: Uint8Array): VerifiedPath {
  return new ChunkVerifier(header).verify(index, data, proof)
}
