import { hash } from 'node:crypto'
import { asPlainBytes } from '@dscs/interface'
import type { Sha256 } from '../log/hash.js'

/** SHA-256 on node:crypto's one-shot `hash` (OpenSSL, SHA extensions where present): 2× @noble/hashes on a 65-byte node. */
export const nativeSha256: Sha256 = (data) => asPlainBytes(hash('sha256', data, 'buffer'))
