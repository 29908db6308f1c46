import { decodeEnvelope, signingBytes, type Envelope } from '@dscs/wire'
import { sha256Of } from '../log/hash.js'

/** A logged entry as the envelope it should be, or undefined when it is none (a log may hold anything). */
export function entryEnvelope(entry: Uint8Array): Envelope | undefined {
  try {
    return decodeEnvelope(entry, { maxEnvelopeBytes: Math.max(entry.length, 1) })
  } catch {
    return undefined
  }
}

/** The id (envelope hash) of a logged entry, or undefined when it is no envelope. */
export function entryIdOf(entry: Uint8Array): Uint8Array | undefined {
  const envelope = entryEnvelope(entry)
  return envelope === undefined ? undefined : submittedId(signingBytes(envelope), envelope.signature)
}

/**
 * The id of a submitted envelope from its signing bytes and signature: what
 * `hashSigned` of @dscs/wire computes, SHA-256 over both, on the log's
 * SHA-256 (node:crypto's on Node, over twice as fast on every submission).
 */
export function submittedId(signing: Uint8Array, signature: Uint8Array): Uint8Array {
  return sha256Of(signing, signature)
}

const HEX_DIGITS = new TextEncoder().encode('0123456789abcdef')
const HEX_SCRATCH = new Uint8Array(2 * 32)
// ASCII decodes the same under every single-byte label; the result is one flat string.
const asciiDecoder = new TextDecoder('latin1')

/** Writes the bytes of `hex` (lowercase hex digits, as {@link idHex} writes them) into `out` from `at`. */
export function writeHexBytes(hex: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < hex.length / 2; i++) out[at + i] = (hexValue(hex.charCodeAt(2 * i)) << 4) | hexValue(hex.charCodeAt(2 * i + 1))
}

// '0'–'9' are 48–57, 'a'–'f' are 97–102.
const hexValue = (code: number): number => (code <= 57 ? code - 48 : code - 87)

/**
 * An entry id in lowercase hex, as `bytesToHex` writes it, built in one
 * piece: `bytesToHex` joins 64 strings into a rope that every Map lookup by
 * it (the replay window, the verification cache) first has to flatten.
 */
export function idHex(id: Uint8Array): string {
  const digits = id.length <= HEX_SCRATCH.length / 2 ? HEX_SCRATCH.subarray(0, 2 * id.length) : new Uint8Array(2 * id.length)
  for (let i = 0; i < id.length; i++) {
    digits[2 * i] = HEX_DIGITS[id[i]! >>> 4]!
    digits[2 * i + 1] = HEX_DIGITS[id[i]! & 15]!
  }
  return asciiDecoder.decode(digits)
}
