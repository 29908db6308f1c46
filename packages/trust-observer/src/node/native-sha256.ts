import { hash } from 'node:crypto'
import { HASH_BYTES, type Sha256 } from '../log/hash.js'

/**
 * SHA-256 on node:crypto's one-shot `hash` (OpenSSL, SHA extensions where
 * present): 2× @noble/hashes on a 65-byte node. The digest is copied into a
 * 32-byte array on V8's heap, one object: node:crypto's is a Buffer over an
 * ArrayBuffer of its own outside the heap, and the observer keeps many
 * (entry ids, batch trees) until they leave the replay window.
 */
export const nativeSha256: Sha256 = (data) => {
  const digest = new Uint8Array(HASH_BYTES)
  digest.set(hash('sha256', data, 'buffer'))
  return digest
}
