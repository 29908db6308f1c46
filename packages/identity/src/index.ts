/**
 * @packageDocumentation
 *
 * DSCS identities. One Ed25519 key is both a node's libp2p identity and the
 * author of the envelopes it signs.
 *
 * - {@link generateIdentity}, {@link identityFromSeed}; {@link sign} and
 *   {@link verify} with strict RFC 8032 checks (non-canonical S, non-canonical
 *   or small-order keys refused) on @noble/ed25519, or on node:crypto in Node.
 * - {@link signEnvelope}, {@link openEnvelope}: decode, replay window,
 *   signature — cheapest first — with a {@link VerificationCache} so an
 *   envelope relayed by many peers is verified once, and a {@link ReplayGuard}
 *   for ephemeral traffic.
 * - {@link encryptKeystore} / {@link decryptKeystore}: the secret key at rest
 *   under a passphrase (scrypt, XChaCha20-Poly1305); files in the Node entry.
 * - {@link seal} / {@link openSealed}: end-to-end encryption to an identity key.
 * - {@link delegate}, {@link revoke}, {@link verifyDelegation}: a root
 *   identity vouches for device keys, with expiry and revocation.
 * - {@link peerIdFromIdentity}: the matching libp2p PeerId.
 *
 * @example
 * ```ts
 * import { createEnvelope, encodeEnvelope } from '@dscs/wire'
 * import { generateIdentity, openEnvelope, ReplayGuard, signEnvelope } from '@dscs/identity'
 *
 * const alice = generateIdentity()
 * const envelope = signEnvelope(alice, createEnvelope({
 *   kind: 'chat.Message',
 *   payload: new TextEncoder().encode('hi'),
 *   author: alice.publicKey,
 *   timestamp: Date.now()
 * }))
 * const bytes = encodeEnvelope(envelope)
 *
 * const replay = new ReplayGuard({ windowMs: 30_000 })
 * const { envelope: received, id } = openEnvelope(bytes, { replay })   // throws on forgery or replay
 * ```
 */
export { IdentityError } from './errors.js'
export type { IdentityErrorCode } from './errors.js'
export {
  PUBLIC_KEY_BYTES,
  SECRET_KEY_BYTES,
  SIGNATURE_BYTES,
  Ed25519Verifier,
  nobleEd25519,
  setEd25519Backend,
  ed25519Backend,
  sign,
  verify,
  verifyAsync,
  publicKeyFromSecret,
  isCanonicalScalar,
  isStrictPublicKeyEncoding
} from './ed25519.js'
export type { Ed25519Backend } from './ed25519.js'
export { generateIdentity, identityFromSeed } from './keys.js'
export type { Identity } from './keys.js'
export { LruCache } from './lru.js'
export { VerificationCache } from './verification-cache.js'
export { ReplayGuard } from './replay.js'
export type { ReplayGuardOptions } from './replay.js'
export { signEnvelope, openEnvelope, openEnvelopeAsync, verifyEnvelope } from './envelope.js'
export type { OpenEnvelopeOptions, OpenedEnvelope } from './envelope.js'
export { sealPayload, openMessage } from './message.js'
export { KEYSTORE_VERSION, MAX_KEYSTORE_BYTES, DEFAULT_SCRYPT, encryptKeystore, decryptKeystore, keystorePublicKey } from './keystore.js'
export type { ScryptParams, KeystoreOptions } from './keystore.js'
export { SEALED_VERSION, SEALED_OVERHEAD, seal, openSealed } from './sealed.js'
export {
  DEFAULT_MAX_CHAIN,
  MAX_CAPABILITIES,
  MAX_CAPABILITY_LENGTH,
  delegate,
  revoke,
  verifyDelegation,
  delegationSigningBytes,
  revocationSigningBytes,
  delegationCodec,
  revocationCodec,
  DelegationKind,
  RevocationKind
} from './delegation.js'
export type { Delegation, Revocation, DelegateOptions, DelegationGrant, VerifyDelegationOptions } from './delegation.js'
export { peerIdFromIdentity, peerIdOfPublicKey, publicKeyOfPeer, libp2pPrivateKey } from './peer-id.js'
