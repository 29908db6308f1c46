import type { MessageBytes } from './bytes.js'
import type { PeerRef, ProtocolId, Unsubscribe } from './peer.js'

/** A message received directly from a peer on a protocol stream. */
export interface DirectMessage {
  readonly from: PeerRef
  readonly protocol: ProtocolId
  readonly bytes: Uint8Array
}

/** A message received on a pub/sub topic; `from` is the peer that relayed it. */
export interface TopicMessage {
  readonly from: PeerRef
  readonly topic: string
  readonly bytes: Uint8Array
}

/**
 * What a topic handler decides about a message, as gossipsub validation does:
 * `accept` relays it on, `ignore` drops it quietly, `reject` drops it and
 * penalises the peer that sent it.
 */
export type MessageVerdict = 'accept' | 'ignore' | 'reject'

export type DirectHandler = (message: DirectMessage) => void | Promise<void>

/**
 * What one peer may send this node on one protocol, sustained and in a burst.
 * A protocol declares the budget its traffic needs (bulk data it asked for
 * needs far more than chatter); the node's operator may override it.
 */
export interface ChannelBudget {
  readonly bytesPerSecond: number
  readonly burstBytes: number
  readonly messagesPerSecond: number
  readonly burstMessages: number
}

export interface HandleOptions {
  /** The protocol's budget per peer; fields left out keep the node's defaults. */
  readonly budget?: Partial<ChannelBudget>
  /** Largest message on the protocol, either way (a bulk protocol needs more than an envelope). Default: the node's envelope limit. */
  readonly maxMessageBytes?: number
}
export type TopicHandler = (message: TopicMessage) => MessageVerdict | Promise<MessageVerdict>

/** What a topic's admission check sees of an envelope: enough for a proof of work, before any signature is checked. */
export interface EnvelopeAdmission {
  readonly topic: string
  /** The peer that relayed the envelope, penalised if the check refuses it. */
  readonly from: PeerRef
  /** The author's raw 32-byte Ed25519 public key, as the envelope claims it: not yet verified. */
  readonly author: Uint8Array
  readonly kind: string
  /** The envelope's proof-of-work stamp, unsigned; undefined when it has none. */
  readonly stamp: Uint8Array | undefined
  /** The bytes the author's signature covers (see `signingBytes` of `@dscs/wire`). */
  readonly signingBytes: Uint8Array
  /** The time the node checks the envelope at, in milliseconds. */
  readonly now: number
}

/**
 * A check a node runs on every envelope of a topic after its size limit and
 * replay window and before its signature: cheap before expensive. It throws
 * a `DscsError` to refuse the envelope, as a bad signature would be refused.
 */
export type TopicAdmission = (envelope: EnvelopeAdmission) => void

export type PeerEvent =
  | { readonly type: 'connect'; readonly peer: PeerRef }
  | { readonly type: 'disconnect'; readonly peer: PeerRef }

/**
 * The port a protocol talks to the network through. `@dscs/net` implements it
 * on libp2p streams and gossipsub; `@dscs/netsim` implements it in a
 * deterministic simulation. Protocols depend on this, never on libp2p.
 */
export interface Net {
  /** This node's own peer. */
  readonly self: PeerRef

  /** Peers currently connected. */
  peers(): readonly PeerRef[]

  /** Sends one message to `to` on `protocol`, given whole or in pieces. Rejects when it cannot be delivered. */
  send(to: PeerRef, protocol: ProtocolId, bytes: MessageBytes): Promise<void>

  /** Receives direct messages on `protocol`; one handler per protocol. */
  handle(protocol: ProtocolId, handler: DirectHandler, options?: HandleOptions): Unsubscribe

  /** Publishes to every subscriber of `topic`. */
  publish(topic: string, bytes: Uint8Array): Promise<void>

  /** Joins `topic`; the handler validates and receives every message on it. */
  subscribe(topic: string, handler: TopicHandler): Unsubscribe

  /**
   * Runs `check` on every envelope of `topic` before its signature is
   * verified, whoever subscribes to the topic (e.g. a proof-of-work stamp
   * requirement); a refused envelope is dropped and its relay penalised with
   * the error's code. Several checks on one topic run in the order they were
   * added. Optional: a Net that opens no envelopes itself leaves it out.
   */
  admit?(topic: string, check: TopicAdmission): Unsubscribe

  /**
   * Connects to `peer`, at `addresses` (multiaddrs) when given, else wherever
   * the network knows it; resolves once connected (a `connect` peer event
   * follows). Optional: a Net that cannot dial leaves it out.
   */
  dial?(peer: PeerRef, addresses?: readonly string[]): Promise<void>

  /**
   * Closes every connection to `peer` (a `disconnect` peer event follows),
   * e.g. to prune the connections a connection manager chose to drop. The
   * peer may connect again. Optional: a Net that cannot leaves it out.
   */
  hangUp?(peer: PeerRef): Promise<void>

  /** Where other peers can reach this node (multiaddrs). Optional: a Net that cannot tell leaves it out. */
  addresses?(): readonly string[]

  /** Peer connect and disconnect events. */
  onPeer(listener: (event: PeerEvent) => void): Unsubscribe

  /**
   * Lowers the standing of a peer that sent bad input (its `code` says what),
   * so the network layer can throttle or disconnect it.
   */
  penalise(peer: PeerRef, code: string): void
}
