import { sha256 } from '@noble/hashes/sha2.js'

// Leaves and inner nodes hash under different tags, so no inner node can pose as a transaction.
const LEAF = 0
const NODE = 1

/**
 * The Merkle root of transaction ids (envelope hashes) in block order. An odd
 * node is promoted unpaired rather than paired with itself, so no two
 * different lists share a root (Bitcoin's duplicated-last-node ambiguity).
 * The root of no transactions is SHA-256 of nothing.
 */
export function merkleRoot(ids: readonly Uint8Array[]): Uint8Array {
  if (ids.length === 0) return sha256(new Uint8Array(0))
  let level = ids.map((id) => tagged(LEAF, id))
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tagged(NODE, level[i]!, level[i + 1]!) : level[i]!)
    level = next
  }
  return level[0]!
}

function tagged(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const hash = sha256.create().update(Uint8Array.of(tag))
  for (const part of parts) hash.update(part)
  return hash.digest()
}
