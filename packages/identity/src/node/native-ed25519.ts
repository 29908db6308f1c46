import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { Ed25519Backend } from '../ed25519.js'

// DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI (public) and PKCS#8 (private).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

// Secret keys are few and held by this process; key objects live as long as the key bytes do.
const privateKeys = new WeakMap<Uint8Array, KeyObject>()

/**
 * Ed25519 through node:crypto (OpenSSL), several times faster than pure
 * JavaScript. OpenSSL checks [S]B = R + [k]A cofactorless, as the noble
 * backend does, and the strict checks run before either: same verdicts.
 */
export const nativeEd25519: Ed25519Backend<KeyObject> = {
  name: 'node:crypto',
  importPublicKey(publicKey) {
    try {
      return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    } catch {
      return undefined
    }
  },
  verify(key, message, signature) {
    return verify(null, message, key, signature)
  },
  verifyAsync(key, message, signature) {
    // With a callback, node:crypto verifies on libuv's thread pool.
    return new Promise((resolve) => verify(null, message, key, signature, (err, valid) => resolve(err === null && valid)))
  },
  sign(secretKey, message) {
    let key = privateKeys.get(secretKey)
    if (key === undefined) {
      key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' })
      privateKeys.set(secretKey, key)
    }
    const signature = sign(null, message, key)
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength)
  }
}
