import { createHash } from 'node:crypto'
import { asPlainBytes } from '@dscs/interface'
import type { Sha256Backend } from '../core/hash.js'

/** SHA-256 on node:crypto (OpenSSL, with the CPU's SHA extensions where present): several times faster than JavaScript on chunks. */
export const nativeSha256: Sha256Backend = {
  digest(parts) {
    const hash = createHash('sha256')
    for (const part of parts) hash.update(part)
    return asPlainBytes(hash.digest())
  }
}
