import { sha256 } from '@noble/hashes/sha2.js'
import { CanonicalBytes } from './canonical.js'
import { WireError } from './errors.js'
import { AUTHOR_BYTES, HASH_BYTES, WIRE_VERSION, type Envelope, type UnsignedEnvelope } from './envelope.js'

/**
 * The exact bytes an envelope's signature covers: a domain tag, then every
 * field but the signature and the stamp in a fixed order, each variable-length
 * field prefixed with its length. Independent of protobuf, so no re-encoding
 * can change what was signed.
 *
 * Layout (big-endian): "DSCS/envelope/v1\0" · u32 len(kind) · kind (UTF-8) ·
 * u32 len(payload) · payload · author (32) · u64 timestamp · u64 seq ·
 * u32 count(parents) · parents (32 each).
 */
export function signingBytes(env: UnsignedEnvelope): Uint8Array {
  if (env.version !== WIRE_VERSION) {
    throw new WireError('UNSUPPORTED_VERSION', `cannot sign envelope version ${env.version}`)
  }
  const out = new CanonicalBytes('DSCS/envelope/v1')
    .string(env.kind)
    .bytes(env.payload)
    .fixed(env.author, AUTHOR_BYTES, 'author key')
    .u64(env.timestamp)
    .u64(env.seq)
    .u32(env.parents.length)
  for (const parent of env.parents) out.fixed(parent, HASH_BYTES, 'parent hash')
  return out.finish()
}

/**
 * The envelope's identity: SHA-256 over its signing bytes and signature. Two
 * peers holding the same signed envelope compute the same hash, whatever the
 * stamp or unknown fields; it serves as message id and cache key.
 */
export function envelopeHash(env: Envelope): Uint8Array {
  return hashSigned(signingBytes(env), env.signature)
}

/** {@link envelopeHash} from signing bytes already computed, so callers that verify need not build them twice. */
export function hashSigned(signing: Uint8Array, signature: Uint8Array): Uint8Array {
  return sha256.create().update(signing).update(signature).digest()
}
