import { sha256 } from '@noble/hashes/sha2.js'

/** A SHA-256 implementation: the portable one (noble) by default, node:crypto's in the Node entry. */
export interface Sha256Backend {
  /** The SHA-256 digest of the concatenation of `parts`, without copying them together. */
  digest(parts: readonly Uint8Array[]): Uint8Array
}

/** SHA-256 in JavaScript (@noble/hashes): runs in every browser. */
export const nobleSha256: Sha256Backend = {
  digest(parts) {
    const hash = sha256.create()
    for (const part of parts) hash.update(part)
    return hash.digest()
  }
}

let backend: Sha256Backend = nobleSha256

/** Makes `next` the SHA-256 behind every hash of this package. The Node entry installs node:crypto. */
export function setSha256Backend(next: Sha256Backend): void {
  backend = next
}

// Domain separation: a leaf, an inner node and a content header never hash the same bytes (RFC 9162 style).
const LEAF_TAG = Uint8Array.of(0x00)
const NODE_TAG = Uint8Array.of(0x01)
const HEADER_TAG = Uint8Array.of(0x02)

/** The leaf hash of a chunk: SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Uint8Array {
  return backend.digest([LEAF_TAG, data])
}

/** The hash of an inner node: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return backend.digest([NODE_TAG, left, right])
}

/** The hash of an encoded content header: SHA-256(0x02 ‖ header). */
export function headerHash(header: Uint8Array): Uint8Array {
  return backend.digest([HEADER_TAG, header])
}

/** The root of a tree of no leaves (empty content): SHA-256 of nothing, as in RFC 9162. */
export function emptyRoot(): Uint8Array {
  return backend.digest([])
}

/** Constant-shape comparison of two digests. */
export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
