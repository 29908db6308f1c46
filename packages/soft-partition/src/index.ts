/**
 * @packageDocumentation
 *
 * Know when the network is split, softly or hard.
 *
 * {@link SwimCore} is SWIM with Lifeguard as a sans-I/O `ProtocolCore` on
 * `/dscs/soft-partition/1.0.0`: periodic direct probes, indirect probes
 * through k members, suspicion, refutation by the member's own signed alive
 * update at a higher incarnation, updates piggybacked on every message, and
 * timeouts that stretch with local health. Every probe feeds a link table
 * that classifies each member's link as `ok`, `degraded`, `asymmetric`,
 * `indirect` (non-transitive) or `unreachable`.
 *
 * {@link softPartition} is the libp2p service factory; `CoreDriver` of
 * `@dscs/net` runs the same core on a simulated network of `@dscs/netsim`.
 *
 * @example
 * ```ts
 * import { createNode } from '@dscs/net' // in Node, the entry with createNode
 * import { softPartition, type SoftPartition } from '@dscs/soft-partition'
 *
 * const alice = await createNode({ services: { softPartition: softPartition({ period: 500 }) } })
 * const bob = await createNode({ services: { softPartition: softPartition({ period: 500 }) } })
 * await alice.dial(bob.multiaddrs()[0]!)
 * const service = alice.libp2p.services.softPartition as SoftPartition
 * service.onEvent((event) => console.log(event.type))
 * // After a few periods: bob is a member, alive, and the link to him classified.
 * setTimeout(() => console.log(service.members(), service.link(bob.peerId)), 3_000)
 * ```
 */
import type { Identity, VerificationCache } from '@dscs/identity'
import type { Clock, Net, PeerRef, Unsubscribe } from '@dscs/interface'
import { protocolService, type Timers } from '@dscs/net'
import type { SwimEvent, SwimOptions } from './core/core.js'
import type { LinkQuality } from './core/links.js'
import type { Member } from './core/membership.js'
import type { PartitionState } from './core/partition.js'
import { SoftPartitionService } from './service.js'

export { PROTOCOL_ID, KIND_PREFIX } from './core/constants.js'
export { SwimCore } from './core/core.js'
export { SoftPartitionService } from './service.js'
export type { SwimOptions, SwimEvent } from './core/core.js'
export type { LinkClass, LinkQuality } from './core/links.js'
export type { Member, MemberState, KnownMember } from './core/membership.js'
export { SoftPartitionError } from './core/errors.js'
export type { SoftPartitionErrorCode } from './core/errors.js'
export { SwimPayload, RelayedPayload, MESSAGE_TYPES, UPDATE_STATES } from './core/messages.js'
export type { UpdatePayload } from './core/messages.js'
export { signAlive, signSuspicion } from './core/alive.js'
export { PartitionView } from './core/partition.js'
export type { PartitionState, PartitionChange } from './core/partition.js'
export { WriteGate } from './policy/write-gate.js'
export type { DomainPolicy, WriteAdmission } from './policy/write-gate.js'
export { tentativeTrust } from './policy/tentative-trust.js'
export type { TentativeTrustPolicy, TentativeTrustOptions, ReconfirmReport } from './policy/tentative-trust.js'
export { Healer } from './policy/heal.js'
export type { HealLayer, HealReport, LayerHealReport } from './policy/heal.js'
export { tentativeHealLayer, peerSyncHealLayer, chainSyncHealLayer, observerHealLayer } from './policy/adapters.js'
export type { ChainSyncer, ObserverCrossChecker } from './policy/adapters.js'

/** The service: probes members and answers their probes while its node runs. */
export interface SoftPartition {
  /** Starts probing and answering. libp2p calls it as the node starts. */
  start(): void
  /** Stops probing and answering. libp2p calls it as the node stops. */
  stop(): void
  /** Every member but this node, as this node sees it. */
  members(): Member[]
  /** The quality of this node's link to `peer`. */
  link(peer: PeerRef): LinkQuality
  /** The component this node believes it is in, and whether it holds a majority. */
  partition(): PartitionState
  /**
   * Sends `data` (at most 2 KiB) to member `peer`: directly, or through a member that reaches both when this node's
   * own link to it is cut (non-transitive reachability); it arrives as a `message` event. Returns the relay used, if
   * any. Throws SoftPartitionError `NOT_A_MEMBER` or `BAD_MESSAGE`.
   */
  send(peer: PeerRef, data: Uint8Array): PeerRef | undefined
  /** Calls `listener` with every membership, link and message event. */
  onEvent(listener: (event: SwimEvent) => void): Unsubscribe
}

/** Options of the service: those of {@link SwimOptions} a node does not supply itself. */
export type SoftPartitionInit = Omit<SwimOptions, 'identity' | 'self' | 'randomBytes' | 'peerOfKey' | 'verificationCache'>

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
