/**
 * @packageDocumentation
 *
 * The Node entry of @dscs/trust-observer: everything the portable entry
 * offers, with the Merkle log hashing on node:crypto (twice as fast as the
 * JavaScript default on its 65-byte nodes). Node picks this entry
 * automatically through the `node` export condition.
 */
import { setLogSha256 } from '../log/hash.js'
import { nativeSha256 } from './native-sha256.js'

setLogSha256(nativeSha256)

export * from '../index.js'
export { nativeSha256 } from './native-sha256.js'
