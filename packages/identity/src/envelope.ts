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
import { sign, verify } from './ed25519.js'
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
   * proof-of-work stamp); throw a DscsError to refuse the envelope.
   */
  readonly beforeSignature?: (env: Envelope) => void
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
  const envelope = decodeEnvelope(bytes, options.limits)
  const message = signingBytes(envelope)
  const id = bytesToHex(hashSigned(message, envelope.signature))
  const now = options.now ?? Date.now()
  options.replay?.check(id, envelope.timestamp, now)
  options.beforeSignature?.(envelope)
  if (!verifySigned(envelope, message, id, options.cache)) {
    throw new IdentityError('BAD_SIGNATURE', `envelope ${id.slice(0, 16)}… is not signed by its author`)
  }
  options.replay?.record(id, envelope.timestamp, now)
  return { envelope, id }
}

/** True when `env` carries its author's valid signature. */
export function verifyEnvelope(env: Envelope, cache?: VerificationCache): boolean {
  const message = signingBytes(env)
  return verifySigned(env, message, bytesToHex(hashSigned(message, env.signature)), cache)
}

/** Verifies with signing bytes and id already computed, consulting the cache by id. */
function verifySigned(env: Envelope, message: Uint8Array, id: string, cache: VerificationCache | undefined): boolean {
  const cached = cache?.get(id)
  if (cached !== undefined) return cached
  const valid = verify(env.author, message, env.signature)
  cache?.set(id, valid)
  return valid
}
