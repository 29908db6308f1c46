import { floorLog2, isCount } from './geometry.js'
import { emptyRoot, isHash, nodeHash, sameHash } from './hash.js'

// No proof for a tree below 2^53 leaves is longer: refused before any hashing.
const MAX_PROOF_HASHES = 2 * 53

/** True when `proof` is an array of at most {@link MAX_PROOF_HASHES} 32-byte hashes. */
function isProof(proof: unknown): proof is readonly Uint8Array[] {
  return Array.isArray(proof) && proof.length <= MAX_PROOF_HASHES && proof.every(isHash)
}

/**
 * True when `proof` proves that the leaf hashing to `leafHash` is leaf
 * `index` of the tree of `size` leaves whose root is `root` (RFC 9162
 * §2.1.3.2). Never throws: malformed input (index ≥ size, a size that is not
 * a whole number, hashes not of 32 bytes, a proof of the wrong length) proves
 * nothing, so it returns `false` like any other proof that fails.
 */
export function verifyInclusion(leafHash: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  if (!isCount(index) || !isCount(size) || index >= size) return false
  if (!isHash(leafHash) || !isHash(root) || !isProof(proof)) return false
  let hash = leafHash
  const reachesRoot = climb(
    index,
    size - 1,
    proof,
    (sibling) => (hash = nodeHash(sibling, hash)),
    (sibling) => (hash = nodeHash(hash, sibling))
  )
  return reachesRoot && sameHash(hash, root)
}

/**
 * True when `proof` proves that the tree of `oldSize` leaves with root
 * `oldRoot` is a prefix of the tree of `newSize` leaves with root `newRoot`
 * (RFC 9162 §2.1.4.2). Equal sizes need an empty proof and equal roots; the
 * empty tree (oldSize 0) needs an empty proof and SHA-256 of nothing as its
 * root. Never throws: malformed input (oldSize > newSize, sizes that are not
 * whole numbers, hashes not of 32 bytes, a proof of the wrong length)
 * returns `false`.
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Uint8Array, newRoot: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize) return false
  if (!isHash(oldRoot) || !isHash(newRoot) || !isProof(proof)) return false
  if (oldSize === newSize) return proof.length === 0 && sameHash(oldRoot, newRoot)
  if (oldSize === 0) return proof.length === 0 && sameHash(oldRoot, emptyRoot())
  if (proof.length === 0) return false
  // A perfect old tree is a node of the new one: its root starts the path the proof leaves out.
  const path = oldSize === 2 ** floorLog2(oldSize) ? [oldRoot, ...proof] : proof
  let fn = oldSize - 1
  let sn = newSize - 1
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2
    sn = Math.floor(sn / 2)
  }
  let oldHash = path[0]!
  let newHash = path[0]!
  const reachesRoot = climb(
    fn,
    sn,
    path.slice(1),
    (sibling) => {
      oldHash = nodeHash(sibling, oldHash)
      newHash = nodeHash(sibling, newHash)
    },
    (sibling) => (newHash = nodeHash(newHash, sibling))
  )
  return reachesRoot && sameHash(oldHash, oldRoot) && sameHash(newHash, newRoot)
}

/**
 * The loop both RFC 9162 verifications share: climbs from node `fn` of a
 * level whose last node is `sn`, one proof hash a level, calling `left` with
 * a sibling on the left (on the right edge, where a node has none on its
 * right, the next one up that does) and `right` with one on the right. True
 * when the path ends exactly at the root.
 */
function climb(
  fn: number,
  sn: number,
  path: readonly Uint8Array[],
  left: (sibling: Uint8Array) => void,
  right: (sibling: Uint8Array) => void
): boolean {
  for (const sibling of path) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      left(sibling)
      // Past the right edge a node has no right sibling: climb to where this one is a right child.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2
        sn = Math.floor(sn / 2)
      }
    } else {
      right(sibling)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0
}
