import { openEnvelope, signEnvelope, type Identity, type ReplayGuard, type VerificationCache } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, WireError, type Envelope } from '@dscs/wire'

/** Signs a payload of `kind` by `identity`, dated `now`, and encodes it within `maxBytes`. */
export function sealEnvelope(identity: Identity, kind: string, payload: Uint8Array, now: number, maxBytes: number): Uint8Array {
  const unsigned = createEnvelope({ kind, payload, author: identity.publicKey, timestamp: Math.floor(now) })
  return encodeEnvelope(signEnvelope(identity, unsigned), { maxEnvelopeBytes: maxBytes })
}

export interface OpenSignedOptions<T> {
  /** Largest envelope accepted. */
  readonly maxBytes: number
  readonly now: number
  /** The node's signature verdicts. */
  readonly cache?: VerificationCache | undefined
  /** For envelopes fresh off a gossip topic or a direct message: refuse those outside the clock-skew window or seen before. */
  readonly replay?: ReplayGuard | undefined
  /** Reads the decoded envelope (its id is its hash in hex; `bytes` a copy of its encoding) into an item, checking its kind and fields. */
  readonly read: (envelope: Envelope, id: string, bytes: Uint8Array) => T
  /** Checks cheaper than the signature (duplicates, staleness, room); throw to stop the opening there. */
  readonly beforeSignature?: (item: T) => void
}

/**
 * Opens untrusted envelope bytes into an item, cheapest check first: size
 * and decoding, the replay window when asked for, the reader's kind and field
 * checks, the caller's checks, then the signature (or the node's cached
 * verdict).
 */
export function openSigned<T>(bytes: Uint8Array, options: OpenSignedOptions<T>): T {
  const opened: { item?: T } = {}
  openEnvelope(bytes, {
    limits: { maxEnvelopeBytes: options.maxBytes },
    cache: options.cache,
    replay: options.replay,
    now: options.now,
    beforeSignature: (envelope, id) => {
      // A copy: `bytes` may be a view into a whole batch, which the item must not keep alive.
      opened.item = options.read(envelope, id, bytes.slice())
      options.beforeSignature?.(opened.item)
    }
  })
  if (opened.item === undefined) throw new WireError('MALFORMED', 'an envelope that did not open')
  return opened.item
}
