import { hash } from 'node:crypto'
import { HASH_BYTES, type Sha256 } from '../log/hash.js'

/**
 * SHA-256 on node:crypto's one-shot `hash` (OpenSSL, SHA extensions where
 * present), its digest taken as a 'binary' (latin1) string (one byte a character) and
 * copied into a 32-byte array on V8's heap: asking node:crypto for a Buffer
 * allocates one outside the heap per digest, which costs twice the hash
 * itself; the string and the copy cost a tenth of it. Over 3× @noble/hashes
 * on a 65-byte node.
 */
export const nativeSha256: Sha256 = (data) => {
  const latin1 = hash('sha256', data, 'binary')
  const digest = new Uint8Array(HASH_BYTES)
  for (let i = 0; i < HASH_BYTES; i++) digest[i] = latin1.charCodeAt(i)
  return digest
}
