// An independent reference: the Merkle Tree Hash and audit paths of RFC 9162 (section 2.1), written from the RFC's
// recursive definitions, over leaf hashes. The package builds its tree level by level; both must agree.
import { sha256 } from '@noble/hashes/sha2.js'

/** The largest power of two strictly below n (n > 1). */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function node(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Uint8Array.of(0x01, ...left, ...right))
}

export function referenceLeaf(data: Uint8Array): Uint8Array {
  const input = new Uint8Array(data.length + 1)
  input.set(data, 1)
  return sha256(input)
}

/** MTH over the leaf hashes `leaves`. */
export function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0))
  if (leaves.length === 1) return leaves[0]!
  const k = split(leaves.length)
  return node(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)))
}

/** PATH(m, D[n]): the audit path of leaf m, deepest sibling first. */
export function referencePath(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return []
  const k = split(leaves.length)
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))]
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let at = 0
  for (const part of parts) {
    joined.set(part, at)
    at += part.length
  }
  return joined
}
