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
