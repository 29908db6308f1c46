import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { HASH_BYTES, HEADER_BYTES, HEADER_VERSION, NONCE_OFFSET } from './constants.js'
import { ChainError } from './errors.js'

/** A block header, decoded. */
export interface BlockHeader {
  readonly version: number
  /** The parent's hash; 32 zero bytes for genesis. */
  readonly parent: Uint8Array
  readonly height: number
  /** Miner's clock, ms since the epoch. */
  readonly timestamp: number
  /** The header hash, read as a big-endian number, must not exceed this. */
  readonly target: bigint
  readonly merkleRoot: Uint8Array
  /** A safe integer: 2^53 tries are more than any target here needs. */
  readonly nonce: number
}

const TWO_256 = 1n << 256n

/** The fixed 124-byte layout of a header: what is hashed, sent in Headers and stored. */
export function encodeHeader(header: BlockHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES)
  const view = new DataView(out.buffer)
  view.setUint32(0, header.version)
  out.set(header.parent, 4)
  view.setBigUint64(36, BigInt(header.height))
  view.setBigUint64(44, BigInt(header.timestamp))
  out.set(targetBytes(header.target), 52)
  out.set(header.merkleRoot, 84)
  view.setBigUint64(NONCE_OFFSET, BigInt(header.nonce))
  return out
}

/** Reads a header from untrusted bytes; throws ChainError `MALFORMED` when a field is out of range. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== HEADER_BYTES) throw new ChainError('MALFORMED', `a header is ${HEADER_BYTES} bytes, not ${bytes.length}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint32(0)
  if (version !== HEADER_VERSION) throw new ChainError('MALFORMED', `header version ${version} is not supported`)
  const header: BlockHeader = {
    version,
    parent: bytes.slice(4, 36),
    height: safe(view.getBigUint64(36), 'height'),
    timestamp: safe(view.getBigUint64(44), 'timestamp'),
    target: readBig(bytes.subarray(52, 84)),
    merkleRoot: bytes.slice(84, 116),
    nonce: safe(view.getBigUint64(NONCE_OFFSET), 'nonce')
  }
  if (header.target === 0n) throw new ChainError('MALFORMED', 'a target of zero can never be met')
  return header
}

function safe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ChainError('MALFORMED', `header ${what} is beyond 2^53`)
  return Number(value)
}

/** SHA-256 of the encoded header: the block's id, and what its work is measured on. */
export function headerHash(encoded: Uint8Array): Uint8Array {
  return sha256(encoded)
}

/** True when `hash`, read as a big-endian number, is at most `target`. */
export function meetsTarget(hash: Uint8Array, target: bigint): boolean {
  return readBig(hash) <= target
}

/** The expected number of hashes to meet `target`: what a block adds to its chain's cumulative work. */
export function workOf(target: bigint): bigint {
  return TWO_256 / (target + 1n)
}

export function readBig(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`)
}

/** A target as 32 big-endian bytes. */
export function targetBytes(target: bigint): Uint8Array {
  if (target < 0n || target >= TWO_256) throw new ChainError('MALFORMED', 'a target is a 256-bit number')
  const out = new Uint8Array(HASH_BYTES)
  let rest = target
  for (let i = HASH_BYTES - 1; i >= 0 && rest > 0n; i--) {
    out[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return out
}

/**
 * Tries nonces from `start` on the encoded header (rewritten in place) until
 * one meets the target or `tries` run out: the synchronous miner that tests,
 * simulations and the main-thread fallback use.
 */
export function searchNonce(encoded: Uint8Array, target: bigint, start: number, tries: number): number | undefined {
  const view = new DataView(encoded.buffer, encoded.byteOffset, encoded.byteLength)
  for (let nonce = start; nonce < start + tries; nonce++) {
    view.setBigUint64(NONCE_OFFSET, BigInt(nonce))
    if (meetsTarget(sha256(encoded), target)) return nonce
  }
  return undefined
}
