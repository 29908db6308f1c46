import { sha256 } from '@noble/hashes/sha2.js'
import { compareBytes } from '@dscs/interface'

/** SHA-256 of one byte string; `data` is scratch space the caller reuses, so an implementation must not keep it. */
export type Sha256 = (data: Uint8Array) => Uint8Array

/** Bytes of every hash of the log: leaves, inner nodes, roots and proof elements. */
export const HASH_BYTES = 32

// One-shot over a buffer built here: for 33- and 65-byte inputs that beats
// feeding parts to a streaming hash, in JavaScript and in node:crypto alike.
let digest: Sha256 = (data) => sha256(data)

/** Makes `next` the SHA-256 behind every hash of the log. The Node entry installs node:crypto's (2× faster on 65 bytes). */
export function setLogSha256(next: Sha256): void {
  digest = next
}

// Inputs are built in scratch space reused by every call (hashing is synchronous): a fresh typed array over
// 64 bytes lives outside V8's heap and costs as much to allocate as the hash itself.
const NODE_INPUT = new Uint8Array(1 + 2 * HASH_BYTES)
NODE_INPUT[0] = 1
const SCRATCH_LEAF_BYTES = 4096
const LEAF_INPUT = new Uint8Array(1 + SCRATCH_LEAF_BYTES)
const PARTS_INPUT = new Uint8Array(SCRATCH_LEAF_BYTES)

/** The RFC 9162 leaf hash of an entry: SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array): Uint8Array {
  const input = entry.length <= SCRATCH_LEAF_BYTES ? LEAF_INPUT.subarray(0, 1 + entry.length) : new Uint8Array(1 + entry.length)
  input.set(entry, 1)
  return digest(input)
}

/** SHA-256(first ‖ second) on the log's SHA-256, the parts joined in scratch space when they fit. */
export function sha256Of(first: Uint8Array, second: Uint8Array): Uint8Array {
  const length = first.length + second.length
  const input = length <= SCRATCH_LEAF_BYTES ? PARTS_INPUT.subarray(0, length) : new Uint8Array(length)
  input.set(first)
  input.set(second, first.length)
  return digest(input)
}

/** The RFC 9162 hash of an inner node: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  NODE_INPUT.set(left, 1)
  NODE_INPUT.set(right, 1 + HASH_BYTES)
  return digest(NODE_INPUT)
}

/** {@link nodeHash} of the two hashes side by side at `at` in `hashes` (left, then right): no view of either is made. */
export function pairHash(hashes: Uint8Array, at: number): Uint8Array {
  for (let i = 0; i < 2 * HASH_BYTES; i++) NODE_INPUT[1 + i] = hashes[at + i]!
  return digest(NODE_INPUT)
}

/** The Merkle Tree Hash of no entries: SHA-256 of the empty string. */
export function emptyRoot(): Uint8Array {
  return digest(new Uint8Array(0))
}

/** True when `value` is a hash: a Uint8Array of {@link HASH_BYTES} bytes. */
export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_BYTES
}

/** True when two hashes are the same bytes. */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0
}
