/**
 * @packageDocumentation
 *
 * Membership and failure detection (SWIM with Lifeguard), link quality, soft and hard partition views with per-domain policies, and the heal that reconciles every layer
 *
 * A ping/pong protocol on `/dscs/soft-partition/1.0.0`: {@link SoftPartition.ping} sends a
 * signed Ping envelope with a random nonce to a peer, the peer answers with a
 * Pong carrying the same nonce, and the promise resolves to the round-trip
 * time in milliseconds. Bad input from a peer is dropped and the peer is
 * penalised through `Net.penalise`, with the error's stable `code`.
 *
 * {@link softPartition} is the libp2p service factory: register it with a node
 * of `@dscs/net` and every peer running it answers pings. The protocol itself
 * is {@link SoftPartitionCore}, a sans-I/O `ProtocolCore` that `CoreDriver`
 * of `@dscs/net` runs on any `Net`: on libp2p inside this service, on a
 * simulated network of `@dscs/netsim` in tests.
 *
 * @example
 * ```ts
 * import { createNode } from '@dscs/net' // in Node, the entry with createNode
 * import { softPartition, type SoftPartition } from '@dscs/soft-partition'
 *
 * const alice = await createNode({ services: { softPartition: softPartition() } })
 * const bob = await createNode({ services: { softPartition: softPartition({ timeout: 5_000 }) } })
 * await alice.dial(bob.multiaddrs()[0]!)
 *
 * const service = alice.libp2p.services.softPartition as SoftPartition
 * const rtt = await service.ping(bob.peerId)
 * console.log(`${bob.peerId} answered in ${rtt} ms`)
 * await alice.stop()
 * await bob.stop()
 * ```
 */
import type { Identity, VerificationCache } from '@dscs/identity'
import type { Clock, Net, PeerRef, Unsubscribe } from '@dscs/interface'
import { protocolService, type Timers } from '@dscs/net'
import type { SoftPartitionEvent } from './core/core.js'
import { SoftPartitionService } from './service.js'

export { PROTOCOL_ID, KIND_PREFIX, NONCE_BYTES } from './core/constants.js'
export { SoftPartitionCore } from './core/core.js'
export type { SoftPartitionCoreOptions, SoftPartitionEvent, SoftPartitionPing } from './core/core.js'
export { SoftPartitionError } from './core/errors.js'
export type { SoftPartitionErrorCode } from './core/errors.js'
export { PingPayload, PongPayload } from './core/messages.js'
export type { NoncePayload } from './core/messages.js'

/** The service: pings peers and answers their pings while its node runs. */
export interface SoftPartition {
  /** Registers the protocol handler: from now on, pings are answered and pongs received. libp2p calls it as the node starts. */
  start(): void
  /** Unregisters the handler; pings still awaiting an answer fail with `NOT_RUNNING`. libp2p calls it as the node stops. */
  stop(): void
  /**
   * Pings `peer` (a PeerId string) and resolves to the round-trip time in
   * milliseconds. Fails with a {@link SoftPartitionError}: `TIMEOUT`,
   * `SEND_FAILED` (e.g. the peer does not run the service), `TOO_MANY_PINGS`
   * or `NOT_RUNNING`.
   */
  ping(peer: PeerRef): Promise<number>
  /** Calls `listener` with every event: each pong and each timeout. */
  onEvent(listener: (event: SoftPartitionEvent) => void): Unsubscribe
}

/** Options of the service; every one has a default. */
export interface SoftPartitionInit {
  /** How long a ping waits for its pong, in milliseconds. Default 10 000. */
  readonly timeout?: number
  /** Most pings awaiting an answer at once; one more fails with `TOO_MANY_PINGS`. Default 64. */
  readonly maxOutstanding?: number
  /**
   * Largest distance between an envelope's timestamp and this node's clock,
   * in milliseconds: the replay window. An envelope further off is refused as
   * `OUTSIDE_WINDOW`, one seen before within it as `REPLAYED`. Default 60 000.
   */
  readonly maxClockSkew?: number
  /**
   * Most envelopes remembered to refuse replays. Entries leave as their
   * timestamps leave the window; should a flood fill it anyway, the oldest is
   * forgotten and nothing as old is accepted again. Default 10 000.
   */
  readonly maxSeenEnvelopes?: number
}

/**
 * What the service needs from its node: the part of `@dscs/net`'s
 * `ProtocolContext` it uses, which {@link softPartition} receives from the
 * node's `net` service.
 */
export interface SoftPartitionComponents {
  /** The network port: direct messages on `PROTOCOL_ID`, and penalties for bad input. */
  readonly net: Net
  /** This node's Ed25519 identity (`@dscs/identity`), which signs its envelopes. */
  readonly identity: Identity
  /** The time every input is stamped with. */
  readonly clock: Clock
  /** The timer that wakes the core at its next deadline (a ping's timeout). */
  readonly timers: Timers
  /** The node's signature verdicts, shared by every protocol on it, so no envelope is verified twice. */
  readonly verificationCache?: VerificationCache
}

/**
 * The libp2p service factory:
 * `createNode({ services: { softPartition: softPartition(init) } })`, after which
 * `node.libp2p.services.softPartition` is the {@link SoftPartition} service. It
 * needs the node's `net` service, which `createNode` of `@dscs/net` registers
 * (with plain `createLibp2p`, register `dscsNet()` before it).
 */
export function softPartition(init: SoftPartitionInit = {}): (components: object) => SoftPartition {
  return protocolService((context) => new SoftPartitionService(context, init))
}
