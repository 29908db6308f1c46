import { sha256 } from '@noble/hashes/sha2.js'
import { FINGERPRINT_BYTES } from './constants.js'
import { LIMBS } from './sum256.js'

const DOMAIN = new TextEncoder().encode('DSCS/frp-state/range-fingerprint/v1\0')

/**
 * The fingerprint of a set of ops: SHA-256 over the sum of their ids modulo
 * 2^256 and their count, truncated to 16 bytes.
 *
 * Why a sum: it does not depend on order and it is incremental, so an index
 * keeps sums of sub-ranges and answers any range in O(log n), and subtracts
 * an op as easily as it adds one. XOR is both as well but is linear over
 * GF(2): 257 chosen ops always contain a subset that XORs to any target, so
 * forging a collision is a Gaussian elimination. Sums modulo 2^256 resist
 * that; the best known attack is Wagner's generalised birthday, which for a
 * forged set of k ops needs about k·2^(256/(1+log2 k)) candidate ops (2^33 for
 * k = 1,024) — and here every candidate id costs an Ed25519 signature, and
 * every forged op must be accepted by both victims, which rationing bounds.
 * The ids themselves are SHA-256 outputs of signed envelopes, so they are
 * already uniformly random to anyone who cannot sign for their authors.
 *
 * Why the hash: truncating a plain sum to 128 bits would leave a sum modulo
 * 2^128, which the same attack breaks in about 2^22 work; hashing the full sum
 * and the count keeps the 256-bit sum's strength behind a 16-byte value (a
 * 128-bit truncation collides only after about 2^64 tries).
 */
export function rangeFingerprint(sum: Uint32Array, offset: number, count: number): Uint8Array {
  for (let i = 0; i < LIMBS; i++) head.setUint32(DOMAIN.length + 4 * i, sum[offset + i]!, true)
  tail.setUint32(0, Math.floor(count / 0x1_0000_0000))
  tail.setUint32(4, count >>> 0)
  return sha256.create().update(headBytes).update(tailBytes).digest().subarray(0, FINGERPRINT_BYTES)
}

// Scratch space, reused by every call: the domain and the sum, then the count as a big-endian u64.
const headBytes = new Uint8Array(DOMAIN.length + 4 * LIMBS)
headBytes.set(DOMAIN)
const head = new DataView(headBytes.buffer)
const tailBytes = new Uint8Array(8)
const tail = new DataView(tailBytes.buffer)
