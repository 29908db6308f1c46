import { privateKeyFromRaw, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { concatBytes } from '@noble/hashes/utils.js'
import { assertLength, IdentityError } from './errors.js'
import { PUBLIC_KEY_BYTES } from './ed25519.js'
import type { Identity } from './keys.js'

/**
 * The libp2p PeerId of a raw Ed25519 public key (an identity multihash, since
 * the key is small), so a node's transport identity and its envelope author
 * are one key.
 */
export function peerIdOfPublicKey(publicKey: Uint8Array): Ed25519PeerId {
  assertLength(publicKey, PUBLIC_KEY_BYTES, 'public key')
  const key = publicKeyFromRaw(publicKey)
  if (key.type !== 'Ed25519') throw new IdentityError('INVALID_KEY', 'not an Ed25519 key')
  return peerIdFromPublicKey(key)
}

/** The libp2p PeerId of `identity`. */
export function peerIdFromIdentity(identity: Pick<Identity, 'publicKey'>): Ed25519PeerId {
  return peerIdOfPublicKey(identity.publicKey)
}

/** The raw Ed25519 public key inside a PeerId string; INVALID_KEY for other key types or bad strings. */
export function publicKeyOfPeer(peer: string): Uint8Array {
  let id
  try {
    id = peerIdFromString(peer)
  } catch (err) {
    throw new IdentityError('INVALID_KEY', `${peer} is not a PeerId`, { cause: err })
  }
  if (id.type !== 'Ed25519') throw new IdentityError('INVALID_KEY', `${peer} is not an Ed25519 peer`)
  return id.publicKey.raw
}

/** `identity` as a libp2p private key, to give `createLibp2p({ privateKey })`. */
export function libp2pPrivateKey(identity: Identity): PrivateKey {
  // libp2p's raw Ed25519 private key is the seed followed by the public key.
  return privateKeyFromRaw(concatBytes(identity.secretKey, identity.publicKey))
}
