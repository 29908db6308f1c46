/**
 * @packageDocumentation
 *
 * The Node entry of @dscs/identity: everything the portable entry offers, with
 * `sign` and `verify` running on node:crypto's native Ed25519 (same strict
 * verdicts, several times faster), plus keystore files on disk. Node picks
 * this entry automatically through the `node` export condition.
 *
 * @example
 * ```ts
 * import { loadOrCreateKeystoreFile, peerIdFromIdentity } from '@dscs/identity'
 *
 * const identity = await loadOrCreateKeystoreFile('./data/identity.json', process.env.DSCS_PASSPHRASE ?? '')
 * console.log('I am', peerIdFromIdentity(identity).toString())
 * ```
 */
import { setEd25519Backend } from '../ed25519.js'
import { nativeEd25519 } from './native-ed25519.js'

setEd25519Backend(nativeEd25519)

export * from '../index.js'
export { nativeEd25519 } from './native-ed25519.js'
export { writeKeystoreFile, readKeystoreFile, loadOrCreateKeystoreFile } from './keystore-file.js'
export type { WriteKeystoreOptions } from './keystore-file.js'
