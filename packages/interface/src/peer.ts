/** A peer on the network, by its libp2p PeerId in string form (base58btc). */
export type PeerRef = string

/** A raw 32-byte Ed25519 public key: the author of envelopes. */
export type PublicKeyBytes = Uint8Array

/** Who someone is: the application key and, where known, its network peer. */
export interface IdentityRef {
  readonly publicKey: PublicKeyBytes
  readonly peer?: PeerRef
}

/** A protocol id for direct messages, `/dscs/<package>/<major>.0.0`. */
export type ProtocolId = `/${string}`

/** Removes the listener or handler it was returned for. */
export type Unsubscribe = () => void
