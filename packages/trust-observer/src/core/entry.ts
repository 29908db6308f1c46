import { decodeEnvelope, envelopeHash, type Envelope } from '@dscs/wire'

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
  return envelope === undefined ? undefined : envelopeHash(envelope)
}
