import { sha256 } from '@noble/hashes/sha2.js'
import { WireError } from './errors.js'
import { AUTHOR_BYTES, HASH_BYTES, WIRE_VERSION, type Envelope, type UnsignedEnvelope } from './envelope.js'

const DOMAIN = new TextEncoder().encode('DSCS/envelope/v1\0')
const encoder = new TextEncoder()
// Kinds are few and repeat: their UTF-8 bytes are kept, so signing bytes cost no string encoding.
const MAX_KNOWN_KINDS = 256
const kindBytes = new Map<string, Uint8Array>()

function encodedKind(kind: string): Uint8Array {
  let bytes = kindBytes.get(kind)
  if (bytes === undefined) {
    bytes = encoder.encode(kind)
    if (kindBytes.size >= MAX_KNOWN_KINDS) kindBytes.clear()
    kindBytes.set(kind, bytes)
  }
  return bytes
}

/**
 * The exact bytes an envelope's signature covers: a domain tag, then every
 * field but the signature and the stamp in a fixed order, each variable-length
 * field prefixed with its length. Independent of protobuf, so no re-encoding
 * can change what was signed. The layout `CanonicalBytes` would build,
 * written in one pass into one buffer: every envelope verified goes through here.
 *
 * Layout (big-endian): "DSCS/envelope/v1\0" · u32 len(kind) · kind (UTF-8) ·
 * u32 len(payload) · payload · author (32) · u64 timestamp · u64 seq ·
 * u32 count(parents) · parents (32 each).
 *
 * With `scratch` (space the caller reuses) large enough, the bytes are
 * written into its start and a view of them returned: no array is allocated,
 * and the view holds only until the caller next uses its scratch.
 */
export function signingBytes(env: UnsignedEnvelope, scratch?: Uint8Array): Uint8Array {
  if (env.version !== WIRE_VERSION) {
    throw new WireError('UNSUPPORTED_VERSION', `cannot sign envelope version ${env.version}`)
  }
  const kind = encodedKind(env.kind)
  fixed(env.author, AUTHOR_BYTES, 'author key')
  for (const parent of env.parents) fixed(parent, HASH_BYTES, 'parent hash')
  const length = DOMAIN.length + 4 + kind.length + 4 + env.payload.length + AUTHOR_BYTES + 8 + 8 + 4 + HASH_BYTES * env.parents.length
  const out = scratch !== undefined && scratch.length >= length ? scratch.subarray(0, length) : new Uint8Array(length)
  const view = new DataView(out.buffer, out.byteOffset, length)
  out.set(DOMAIN)
  let at = DOMAIN.length
  view.setUint32(at, kind.length)
  out.set(kind, at + 4)
  at += 4 + kind.length
  view.setUint32(at, env.payload.length)
  out.set(env.payload, at + 4)
  at += 4 + env.payload.length
  out.set(env.author, at)
  at += AUTHOR_BYTES
  u64(view, at, env.timestamp)
  u64(view, at + 8, env.seq)
  view.setUint32(at + 16, env.parents.length)
  at += 20
  for (const parent of env.parents) {
    out.set(parent, at)
    at += HASH_BYTES
  }
  return out
}

function fixed(bytes: Uint8Array, length: number, what: string): void {
  if (bytes.length !== length) throw new WireError('MALFORMED', `${what} must be ${length} bytes`)
}

function u64(view: DataView, at: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new WireError('MALFORMED', `${value} is not a safe non-negative integer`)
  view.setUint32(at, Math.floor(value / 2 ** 32))
  view.setUint32(at + 4, value >>> 0)
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
