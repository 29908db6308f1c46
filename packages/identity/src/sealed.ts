import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { assertLength, IdentityError } from './errors.js'
import { PUBLIC_KEY_BYTES, isStrictPublicKeyEncoding } from './ed25519.js'
import type { Identity } from './keys.js'

/** Sealed box format version, the first byte of every box. */
export const SEALED_VERSION = 1

const HEADER_BYTES = 1 + 32 // version, ephemeral X25519 public key
const TAG_BYTES = 16
/** Bytes a sealed box adds to its plaintext. */
export const SEALED_OVERHEAD = HEADER_BYTES + TAG_BYTES
const INFO = new TextEncoder().encode('DSCS/sealed-box/v1')

/**
 * Encrypts `plaintext` so only the holder of `recipientPublicKey` (an Ed25519
 * identity key) can read it. The key is converted to X25519; a fresh
 * ephemeral key agrees a secret with it; HKDF-SHA256 over the secret and both
 * public keys gives a one-time key and nonce for XChaCha20-Poly1305. The
 * sender stays anonymous: sign the plaintext inside if the recipient must
 * know who sent it.
 *
 * Box: version (1) · ephemeral public key (32) · ciphertext · tag (16).
 */
export function seal(recipientPublicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  assertLength(recipientPublicKey, PUBLIC_KEY_BYTES, 'recipient public key')
  const recipient = recipientX25519(recipientPublicKey)
  const ephemeral = x25519.keygen()
  const cipher = boxCipher(x25519.getSharedSecret(ephemeral.secretKey, recipient), ephemeral.publicKey, recipient)
  return concatBytes(Uint8Array.of(SEALED_VERSION), ephemeral.publicKey, cipher.encrypt(plaintext))
}

/** Opens a box sealed to `identity`; an altered box, or one for another key, is `SEALED_TAMPERED`. */
export function openSealed(identity: Identity, box: Uint8Array): Uint8Array {
  if (!(box instanceof Uint8Array) || box.length < SEALED_OVERHEAD) {
    throw new IdentityError('SEALED_MALFORMED', `a sealed box has at least ${SEALED_OVERHEAD} bytes`)
  }
  if (box[0] !== SEALED_VERSION) {
    throw new IdentityError('SEALED_UNSUPPORTED_VERSION', `sealed box version ${box[0]} is not supported`)
  }
  const ephemeral = box.subarray(1, HEADER_BYTES)
  const recipient = ed25519.utils.toMontgomery(identity.publicKey)
  try {
    const shared = x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(identity.secretKey), ephemeral)
    return boxCipher(shared, ephemeral, recipient).decrypt(box.subarray(HEADER_BYTES))
  } catch (err) {
    throw new IdentityError('SEALED_TAMPERED', 'the sealed box was altered or is not for this identity', { cause: err })
  }
}

function recipientX25519(publicKey: Uint8Array): Uint8Array {
  if (!isStrictPublicKeyEncoding(publicKey)) throw new IdentityError('INVALID_KEY', 'recipient key is small-order or non-canonical')
  try {
    return ed25519.utils.toMontgomery(publicKey)
  } catch (err) {
    throw new IdentityError('INVALID_KEY', 'recipient key is not a curve point', { cause: err })
  }
}

function boxCipher(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array) {
  const okm = hkdf(sha256, shared, concatBytes(ephemeral, recipient), INFO, 32 + 24)
  return xchacha20poly1305(okm.subarray(0, 32), okm.subarray(32))
}
