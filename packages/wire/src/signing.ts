import { sha256 } from '@noble/hashes/sha2.js'
import { WireError } from './errors.js'
import { AUTHOR_BYTES, HASH_BYTES, WIRE_VERSION, type Envelope, type UnsignedEnvelope } from './envelope.js'

/** Domain separation: these bytes are never a prefix of anything else DSCS signs. */
const SIGNING_DOMAIN = new TextEncoder().encode('DSCS/envelope/v1\0')
const textEncoder = new TextEncoder()

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
  // Fixed-width fields must have their width, or the layout would be ambiguous.
  if (env.author.length !== AUTHOR_BYTES || env.parents.some((p) => p.length !== HASH_BYTES)) {
    throw new WireError('MALFORMED', 'author key and parent hashes must be 32 bytes each')
  }
  const kind = textEncoder.encode(env.kind)
  const size = SIGNING_DOMAIN.length + 4 + kind.length + 4 + env.payload.length + AUTHOR_BYTES + 8 + 8 + 4 + HASH_BYTES * env.parents.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let pos = 0
  out.set(SIGNING_DOMAIN, pos)
  pos += SIGNING_DOMAIN.length
  view.setUint32(pos, kind.length)
  out.set(kind, pos + 4)
  pos += 4 + kind.length
  view.setUint32(pos, env.payload.length)
  out.set(env.payload, pos + 4)
  pos += 4 + env.payload.length
  out.set(env.author, pos)
  pos += AUTHOR_BYTES
  writeUint64(view, pos, env.timestamp)
  writeUint64(view, pos + 8, env.seq)
  pos += 16
  view.setUint32(pos, env.parents.length)
  pos += 4
  for (const parent of env.parents) {
    out.set(parent, pos)
    pos += HASH_BYTES
  }
  return out
}

function writeUint64(view: DataView, pos: number, value: number): void {
  view.setUint32(pos, Math.floor(value / 2 ** 32))
  view.setUint32(pos + 4, value >>> 0)
}

/**
 * The envelope's identity: SHA-256 over its signing bytes and signature. Two
 * peers holding the same signed envelope compute the same hash, whatever the
 * stamp or unknown fields; it serves as message id and cache key.
 */
export function envelopeHash(env: Envelope): Uint8Array {
  return sha256.create().update(signingBytes(env)).update(env.signature).digest()
}
