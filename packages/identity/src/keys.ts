import { randomBytes } from '@noble/hashes/utils.js'
import { assertLength } from './errors.js'
import { SECRET_KEY_BYTES, publicKeyFromSecret } from './ed25519.js'

/**
 * An Ed25519 identity: the 32-byte secret key (RFC 8032 seed) and its public
 * key. The same key is the node's libp2p identity (see `peerIdFromIdentity`).
 */
export interface Identity {
  readonly publicKey: Uint8Array
  readonly secretKey: Uint8Array
}

/** A fresh identity from the platform's secure random source. */
export function generateIdentity(): Identity {
  return identityFromSeed(randomBytes(SECRET_KEY_BYTES))
}

/** The identity whose secret key is `seed` (32 bytes): deterministic. */
export function identityFromSeed(seed: Uint8Array): Identity {
  assertLength(seed, SECRET_KEY_BYTES, 'seed')
  const secretKey = seed.slice()
  return { secretKey, publicKey: publicKeyFromSecret(secretKey) }
}
