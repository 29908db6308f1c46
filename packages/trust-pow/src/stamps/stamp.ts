import { sha256 } from '@noble/hashes/sha2.js'
import { signingBytes, type UnsignedEnvelope } from '@dscs/wire'
import { TrustPowError } from '../errors.js'
import { MAX_STAMP_BITS, STAMP_NONCE_BYTES } from './search.js'

/** An envelope, signed or not, that may carry a stamp: the stamp is never signed, so either can be stamped. */
export type StampableEnvelope = UnsignedEnvelope & { readonly stamp?: Uint8Array | undefined }

/**
 * The work `stamp` proves for the message whose signing bytes are `signing`:
 * the leading zero bits of SHA-256(signing ‖ stamp). One hash. A stamp that
 * is not 8 bytes proves nothing (0).
 */
export function stampWork(signing: Uint8Array, stamp: Uint8Array | undefined): number {
  if (stamp?.length !== STAMP_NONCE_BYTES) return 0
  const digest = sha256.create().update(signing).update(stamp).digest()
  let zeros = 0
  for (const byte of digest) {
    zeros += Math.clz32(byte) - 24
    if (byte !== 0) break
  }
  return zeros
}

/** Whether `envelope`'s stamp proves at least `bits` leading zero bits over its signing bytes. */
export function verifyStamp(envelope: StampableEnvelope, bits: number): boolean {
  return bits <= 0 || stampWork(signingBytes(envelope), envelope.stamp) >= bits
}

/** Throws `INSUFFICIENT_WORK` unless `stamp` proves `bits` over `signing`; what a topic's admission check runs. */
export function checkStamp(signing: Uint8Array, stamp: Uint8Array | undefined, bits: number): void {
  if (bits <= 0) return
  if (stamp === undefined) throw new TrustPowError('INSUFFICIENT_WORK', `no stamp; ${bits} bits of work are required`)
  const work = stampWork(signing, stamp)
  if (work < bits) throw new TrustPowError('INSUFFICIENT_WORK', `the stamp proves ${work} bits of work; ${bits} are required`)
}

/** Throws `INVALID_OPTION` unless `bits` is a whole number of bits a stamp can be asked for. */
export function checkBits(bits: number, what: string): number {
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_STAMP_BITS) {
    throw new TrustPowError('INVALID_OPTION', `${what} must be a whole number of bits from 0 to ${MAX_STAMP_BITS}, got ${bits}`)
  }
  return bits
}
