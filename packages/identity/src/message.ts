import { createEnvelope, encodeEnvelope, encodePayload, type Envelope, type PayloadKind, type WireLimits } from '@dscs/wire'
import { openEnvelope, signEnvelope, type OpenEnvelopeOptions } from './envelope.js'
import type { Identity } from './keys.js'

/**
 * A protocol message: `value` as a `kind` payload in an envelope `identity`
 * signs at `now`, encoded within `limits`. Envelope timestamps are whole
 * milliseconds; a simulator's time may be fractional, so `now` is floored.
 */
export function sealPayload<T>(identity: Identity, kind: PayloadKind<T>, value: T, now: number, limits?: Partial<WireLimits>): Uint8Array {
  const unsigned = createEnvelope({ kind: kind.name, payload: encodePayload(kind, value), author: identity.publicKey, timestamp: Math.floor(now) })
  return encodeEnvelope(signEnvelope(identity, unsigned), limits)
}

/**
 * Opens untrusted `bytes` as {@link openEnvelope} does, with `read` as the
 * check before the signature (the kind, the payload, whether an answer is
 * awaited: throw to refuse), and returns what `read` made of the envelope
 * once the signature holds.
 */
export function openMessage<T>(bytes: Uint8Array, options: Omit<OpenEnvelopeOptions, 'beforeSignature'>, read: (envelope: Envelope) => T): T {
  let message: { value: T } | undefined
  openEnvelope(bytes, { ...options, beforeSignature: (envelope) => void (message = { value: read(envelope) }) })
  // openEnvelope runs beforeSignature for every envelope it accepts, so an accepted one was read.
  return message!.value
}
