import {
  decodeEnvelope,
  hashSigned,
  signingBytes,
  type Envelope,
  type UnsignedEnvelope,
  type WireLimits
} from '@dscs/wire'
import { equalBytes } from '@noble/curves/utils.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { IdentityError } from './errors.js'
import { sign, verify, verifyAsync } from './ed25519.js'
import type { Identity } from './keys.js'
import type { ReplayGuard } from './replay.js'
import type { VerificationCache } from './verification-cache.js'

/** Signs an envelope as `identity`, which must be its author. */
export function signEnvelope(identity: Identity, env: UnsignedEnvelope): Envelope {
  if (!equalBytes(env.author, identity.publicKey)) {
    throw new IdentityError('AUTHOR_MISMATCH', 'an envelope can only be signed by its author')
  }
  return { ...env, signature: sign(identity.secretKey, signingBytes(env)) }
}

export interface OpenEnvelopeOptions {
  /** Wire limits for decoding; default 1 MiB envelopes. */
  readonly limits?: Partial<WireLimits>
  /** For ephemeral traffic: refuse envelopes outside the clock-skew window or seen before. */
  readonly replay?: ReplayGuard
  /** The current time in ms, for the replay window. Default `Date.now()`. */
  readonly now?: number
  /** Verify each envelope once, however many peers relay it. */
  readonly cache?: VerificationCache
  /**
   * A check cheaper than a signature, run just before it (e.g. a
   * proof-of-work stamp over `signing`, the signing bytes, or a duplicate
   * check by `id`, the envelope hash in hex; `hash` is the same hash as
   * bytes, for callers that keep both); throw a DscsError to refuse the
   * envelope.
   */
  readonly beforeSignature?: (env: Envelope, id: string, hash: Uint8Array, signing: Uint8Array) => void
}

/** An envelope that decoded, passed the replay guard and carries its author's valid signature. */
export interface OpenedEnvelope {
  readonly envelope: Envelope
  /** {@link envelopeHash}, hex: the envelope's id. */
  readonly id: string
}

/**
 * Opens untrusted bytes, cheapest check first: size limit and decoding, the
 * replay window and seen-set, the caller's pre-signature check, then the
 * signature (or a cached verdict). Throws WireError or IdentityError on the
 * first failure; records the envelope in the replay guard only once it is
 * known to be genuine, so forgeries cannot fill the seen-set.
 */
export function openEnvelope(bytes: Uint8Array, options: OpenEnvelopeOptions = {}): OpenedEnvelope {
  const opening = precheck(bytes, options)
  const { envelope, message, id } = opening
  return settle(opening, options.cache?.get(id) ?? remember(options.cache, id, verify(envelope.author, message, envelope.signature)), options)
}

/**
 * {@link openEnvelope} with the signature checked off the calling thread
 * where the platform can (node:crypto's thread pool): many envelopes verify
 * in parallel and the event loop stays free. Same checks, order and errors.
 */
export async function openEnvelopeAsync(bytes: Uint8Array, options: OpenEnvelopeOptions = {}): Promise<OpenedEnvelope> {
  const opening = precheck(bytes, options)
  const { envelope, message, id } = opening
  return settle(opening, options.cache?.get(id) ?? remember(options.cache, id, await verifyAsync(envelope.author, message, envelope.signature)), options)
}

interface Opening {
  readonly envelope: Envelope
  /** The signing bytes. */
  readonly message: Uint8Array
  readonly id: string
  readonly now: number
}

/** Every check that comes before the signature. */
function precheck(bytes: Uint8Array, options: OpenEnvelopeOptions): Opening {
  const envelope = decodeEnvelope(bytes, options.limits)
  const message = signingBytes(envelope)
  const hash = hashSigned(message, envelope.signature)
  const id = bytesToHex(hash)
  const now = options.now ?? Date.now()
  options.replay?.check(id, envelope.timestamp, now)
  options.beforeSignature?.(envelope, id, hash, message)
  return { envelope, message, id, now }
}

/** Keeps a freshly computed verdict in the cache, if there is one. */
function remember(cache: VerificationCache | undefined, id: string, valid: boolean): boolean {
  cache?.set(id, valid)
  return valid
}

/** Accepts the envelope (recording it as seen) or refuses it, on the signature's verdict. */
function settle({ envelope, id, now }: Opening, valid: boolean, options: OpenEnvelopeOptions): OpenedEnvelope {
  if (!valid) throw new IdentityError('BAD_SIGNATURE', `envelope ${id.slice(0, 16)}… is not signed by its author`)
  options.replay?.record(id, envelope.timestamp, now)
  return { envelope, id }
}

/** True when `env` carries its author's valid signature. */
export function verifyEnvelope(env: Envelope, cache?: VerificationCache): boolean {
  const message = signingBytes(env)
  const id = bytesToHex(hashSigned(message, env.signature))
  return cache?.get(id) ?? remember(cache, id, verify(env.author, message, env.signature))
}
