import { sha256 } from '@noble/hashes/sha2.js'

// Inner nodes hash under a tag. Leaves are transaction ids as they are: each is already the SHA-256 of an
// envelope, so passing an inner node off as a leaf would take an envelope hashing to it, a preimage.
const NODE = Uint8Array.of(1)

/**
 * The Merkle root of transaction ids (envelope hashes) in block order. An odd
 * node is promoted unpaired rather than paired with itself, so no two
 * different lists share a root (Bitcoin's duplicated-last-node ambiguity).
 * The root of no transactions is SHA-256 of nothing.
 */
export function merkleRoot(ids: readonly Uint8Array[]): Uint8Array {
  if (ids.length === 0) return sha256(new Uint8Array(0))
  let level = ids
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha256.create().update(NODE).update(level[i]!).update(level[i + 1]!).digest() : level[i]!)
    level = next
  }
  return level[0]!
}
