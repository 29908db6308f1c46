import * as ed from '@noble/ed25519'
import { sha512 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js'
import { assertLength, IdentityError } from './errors.js'
import { LruCache } from './lru.js'

// noble's synchronous API needs a SHA-512; @noble/hashes runs unchanged in browsers.
ed.hashes.sha512 = sha512

export const PUBLIC_KEY_BYTES = 32
export const SECRET_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

/**
 * One Ed25519 implementation. DSCS applies the strict RFC 8032 checks itself
 * (see {@link Ed25519Verifier}), then asks the backend only for the group
 * equation, which every backend evaluates cofactorless — [S]B = R + [k]A,
 * compared as encodings — so all backends accept and reject exactly the same
 * signatures.
 */
export interface Ed25519Backend<Key = unknown> {
  readonly name: string
  /** Imports a public key that passed the strict checks; undefined if it is not a curve point. */
  importPublicKey(publicKey: Uint8Array): Key | undefined
  verify(key: Key, message: Uint8Array, signature: Uint8Array): boolean
  /** The same check off the calling thread, where the platform can (node:crypto's thread pool). */
  verifyAsync?(key: Key, message: Uint8Array, signature: Uint8Array): Promise<boolean>
  /** Signs with a 32-byte secret key (the RFC 8032 seed). */
  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array
}

const L = 2n ** 252n + 27742317777372353535851937790883648493n

/** The group order L, little-endian, for the canonical-S check. */
const L_BYTES = numberToBytesLE(L)

function numberToBytesLE(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!)
  return n
}

/** True when the signature's S half is below L (RFC 8032 §5.1.7 step 1: reject S ≥ L). */
export function isCanonicalScalar(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! !== L_BYTES[i]!) return s[i]! < L_BYTES[i]!
  }
  return false // equal to L
}

/**
 * Encodings of the eight small-order points, plus the two x = 0 points with
 * the sign bit set, which strict decoding also refuses. A key whose y is
 * canonical (< p) is small-order exactly when it is in this list.
 */
const SMALL_ORDER_KEYS = new Set(
  [
    '0100000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000080',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    '0000000000000000000000000000000000000000000000000000000000000000',
    '0000000000000000000000000000000000000000000000000000000000000080',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85'
  ]
)

/** True when the key's y coordinate is canonical (< 2^255 − 19) and the key is not small-order. */
export function isStrictPublicKeyEncoding(publicKey: Uint8Array): boolean {
  if ((publicKey[31]! & 0x7f) === 0x7f && publicKey[0]! >= 0xed) {
    let allOnes = true
    for (let i = 1; i < 31 && allOnes; i++) allOnes = publicKey[i] === 0xff
    if (allOnes) return false // y ≥ p
  }
  return !SMALL_ORDER_KEYS.has(bytesToHex(publicKey))
}

/** Ed25519 in pure JavaScript with @noble/ed25519: runs everywhere. */
export const nobleEd25519: Ed25519Backend<{ readonly point: ed.Point; readonly bytes: Uint8Array }> = {
  name: 'noble',
  importPublicKey(publicKey) {
    try {
      return { point: ed.Point.fromBytes(publicKey, false), bytes: publicKey.slice() }
    } catch {
      return undefined
    }
  },
  verify(key, message, signature) {
    const r = signature.subarray(0, 32)
    const s = bytesToNumberLE(signature.subarray(32))
    const k = bytesToNumberLE(sha512(concatBytes(r, key.bytes, message))) % L
    // Cofactorless, as OpenSSL (node:crypto) checks it: R' = [S]B − [k]A must encode to R.
    const expected = ed.Point.BASE.multiply(s, false).subtract(key.point.multiplyUnsafe(k)).toBytes()
    let diff = 0
    for (let i = 0; i < 32; i++) diff |= expected[i]! ^ r[i]!
    return diff === 0
  },
  sign(secretKey, message) {
    return ed.sign(message, secretKey)
  }
}

/** How many imported public keys a verifier keeps. */
const KEY_CACHE_SIZE = 4096

/**
 * Strict RFC 8032 verification over a backend: wrong lengths throw; a
 * non-canonical S, a non-canonical or small-order public key, or a key that is
 * not a curve point make `verify` return false. Imported keys are cached.
 */
export class Ed25519Verifier {
  readonly backend: Ed25519Backend
  readonly #keys = new LruCache<string, unknown>(KEY_CACHE_SIZE)

  constructor(backend: Ed25519Backend) {
    this.backend = backend
  }

  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const key = this.#strictKey(publicKey, message, signature)
    return key !== null && this.backend.verify(key, message, signature)
  }

  /** {@link verify} off the calling thread when the backend can, so many run in parallel; same verdicts. */
  async verifyAsync(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const key = this.#strictKey(publicKey, message, signature)
    if (key === null) return false
    return this.backend.verifyAsync === undefined ? this.backend.verify(key, message, signature) : this.backend.verifyAsync(key, message, signature)
  }

  sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
    assertLength(secretKey, SECRET_KEY_BYTES, 'secret key')
    return this.backend.sign(secretKey, message)
  }

  /** The strict checks shared by both paths: lengths (throwing), then S and the key; null when they fail. */
  #strictKey(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): unknown {
    assertLength(publicKey, PUBLIC_KEY_BYTES, 'public key')
    assertLength(signature, SIGNATURE_BYTES, 'signature')
    if (!(message instanceof Uint8Array)) throw new IdentityError('INVALID_LENGTH', 'message must be a Uint8Array')
    if (!isCanonicalScalar(signature.subarray(32))) return null
    return this.#importKey(publicKey)
  }

  /** The backend's key for `publicKey`, or null when strict decoding refuses it. */
  #importKey(publicKey: Uint8Array): unknown {
    // One UTF-16 unit per byte: a cheaper map key than hex.
    const id = String.fromCharCode.apply(null, publicKey as unknown as number[])
    const cached = this.#keys.get(id)
    if (cached !== undefined) return cached
    const key = isStrictPublicKeyEncoding(publicKey) ? (this.backend.importPublicKey(publicKey) ?? null) : null
    this.#keys.set(id, key)
    return key
  }
}

let defaultVerifier = new Ed25519Verifier(nobleEd25519)

/** Makes `backend` the one behind {@link sign} and {@link verify}. The Node entry installs node:crypto. */
export function setEd25519Backend(backend: Ed25519Backend): void {
  defaultVerifier = new Ed25519Verifier(backend)
}

/** The backend behind {@link sign} and {@link verify}. */
export function ed25519Backend(): Ed25519Backend {
  return defaultVerifier.backend
}

/** Signs `message` with a 32-byte secret key; returns the 64-byte signature. */
export function sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return defaultVerifier.sign(secretKey, message)
}

/**
 * Strict RFC 8032 verification. Returns false for any malformed key or
 * signature of the right length; throws IdentityError `INVALID_LENGTH` for
 * wrong lengths.
 */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return defaultVerifier.verify(publicKey, message, signature)
}

/**
 * {@link verify} off the calling thread where the backend can (in Node, on
 * libuv's thread pool), so verifications run in parallel and never block the
 * event loop; identical verdicts.
 */
export function verifyAsync(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  return defaultVerifier.verifyAsync(publicKey, message, signature)
}

/** The public key of a 32-byte secret key. */
export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  assertLength(secretKey, SECRET_KEY_BYTES, 'secret key')
  return ed.getPublicKey(secretKey)
}
