/**
 * @packageDocumentation
 *
 * A dynamic web of trust: signed trust statements, Sybil-resistant trust from
 * a viewpoint, observer attestations of state snapshots, and friend-to-friend
 * routing.
 *
 * Each identity signs statements of its trust in others (a level from 1 to
 * 100, an optional scope, an expiry) and revocations of them; they are
 * gossiped on {@link RECORDS_TOPIC}, sent to every peer that connects, and
 * kept in the node's store. Trust from a viewpoint spreads from the viewer
 * like energy, decaying and splitting at each step (see {@link TrustView}),
 * so a Sybil region gains no more than what crosses its few attack edges,
 * however many identities it makes; the result follows every new, revoked or
 * expired edge incrementally.
 *
 * Observers attest states (`attest`); {@link WotTrustPolicy} is the
 * web-of-trust `TrustPolicy` for frp-state: ops are confirmed once observers
 * with enough trust attest a checkpoint that lists them, and those made
 * where too few trusted observers saw them are nullified or split off.
 * {@link publishSnapshot} and {@link fetchTrustedSnapshot} let a new node
 * start from a snapshot that trusted observers attest, fetched through
 * `@dscs/chunk-distribution`. In friend-to-friend mode (`allowPeer`) a node
 * connects only with the identities it trusts directly, and
 * {@link FriendRouter} carries sealed letters from friend to friend.
 *
 * {@link trustWot} is the libp2p service factory; the protocols themselves
 * are {@link TrustWotCore} and {@link FriendRouter}, sans-I/O `ProtocolCore`s
 * that `CoreDriver` of `@dscs/net` runs on any `Net`.
 *
 * @example
 * ```ts
 * import { createNode } from '@dscs/net' // in Node, the entry with createNode
 * import { trustWot, type TrustWot } from '@dscs/trust-wot'
 *
 * const alice = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], services: { wot: trustWot() } })
 * const bob = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], services: { wot: trustWot() } })
 * const wot = (node: typeof alice) => node.libp2p.services.wot as TrustWot
 *
 * await wot(alice).trust(bob.peerId, { level: 80, expires: Date.now() + 30 * 86_400_000 })
 * console.log(wot(alice).trustOf(bob.peerId)) // 0.4: half of alice's trust passes on, 80 of it to bob
 * await alice.dial(bob.multiaddrs()[0]!)     // bob receives alice's statement as they connect
 * await alice.stop()
 * await bob.stop()
 * ```
 */
import type { Identity, VerificationCache } from '@dscs/identity'
import type { Clock, Net, PeerRef, Store, Unsubscribe } from '@dscs/interface'
import { protocolService, type Timers } from '@dscs/net'
import type { Attestation, AttestationTerms, TrustedRoot } from './core/attestation.js'
import type { MetricParams } from './core/metric.js'
import { WotTrustPolicy, type WotTrustPolicyOptions } from './core/policy.js'
import type { StatementTerms, TrustRecord } from './core/record.js'
import type { Viewpoint } from './core/viewpoint.js'
import type { PeerDirectory } from './core/f2f.js'
import { TrustWotService, type TrustWotServiceEvent } from './service.js'

export { PROTOCOL_ID, F2F_PROTOCOL_ID, MAX_LETTER_BODY_BYTES, RECORDS_TOPIC, KIND_PREFIX, MAX_LEVEL, MAX_RECORD_BYTES, MAX_RECORDS_PER_MESSAGE, MAX_ATTESTATION_BYTES, MAX_ATTESTED_OPS, DEFAULTS, METRIC_DEFAULTS } from './core/constants.js'
export { TrustWotCore } from './core/core.js'
export type { TrustWotCoreOptions, TrustWotEvent, ForgetReason, StoredRecord } from './core/core.js'
export { TrustWotError } from './core/errors.js'
export type { TrustWotErrorCode } from './core/errors.js'
export { StatementPayloadKind, RevocationPayloadKind, RecordsPayloadKind } from './core/messages.js'
export type { StatementPayload, RevocationPayload, RecordsPayload } from './core/messages.js'
export { openRecord, readRecord, recordKey, signRevocation, signStatement, supersedes } from './core/record.js'
export type { TrustRecord, StatementTerms, RecordLimits, OpenRecordOptions } from './core/record.js'
export { TrustGraph } from './core/graph.js'
export type { Admission, TrustGraphOptions } from './core/graph.js'
export { EdgeLayer } from './core/edge-layer.js'
export type { EdgeChange } from './core/edge-layer.js'
export { TrustView, computeTrust, resolveMetric } from './core/metric.js'
export type { MetricParams, TrustChange } from './core/metric.js'
export { Viewpoint } from './core/viewpoint.js'
export type { TrustShift } from './core/viewpoint.js'
export { RecordPools } from './core/pools.js'
export { AttestationBook, opSetRoot, readAttestation, signAttestation, trustedRoot } from './core/attestation.js'
export type { Attestation, AttestationTerms, AttestationBookOptions, Evidence, TrustedRoot } from './core/attestation.js'
export { AttestationPayloadKind, RoutedPayloadKind, LetterPayloadKind } from './core/messages.js'
export type { AttestationPayload, RoutedPayload, LetterPayload } from './core/messages.js'
export { WotTrustPolicy } from './core/policy.js'
export type { WotTrustPolicyOptions, WotDomainPolicy, SplitHistory, TrustedCheckpoint, AttestationSource } from './core/policy.js'
export type { RecordPoolsOptions } from './core/pools.js'
export { TrustWotService, libp2pDirectory } from './service.js'
export { FriendRouter } from './core/f2f.js'
export type { FriendEvent, FriendGraph, FriendRouterOptions, PeerDirectory } from './core/f2f.js'
export { publishSnapshot, fetchTrustedSnapshot } from './snapshot.js'
export type { Snapshot, FetchSnapshotOptions, TrustedSnapshot } from './snapshot.js'
export type { TrustWotServiceEvent } from './service.js'

/** Someone to trust: a raw 32-byte Ed25519 public key, or the PeerId string of a node. */
export type TrusteeRef = Uint8Array | PeerRef

/** The service: this node's statements, everyone's records, and trust from any viewpoint. */
export interface TrustWot {
  /** Reads the stored records back. libp2p calls it as the node starts. */
  start(): Promise<void>
  /** Joins the records topic and protocol. libp2p calls it once every service started. */
  afterStart(): void
  /** Waits for the last writes. libp2p calls it as the node stops. */
  stop(): Promise<void>
  /**
   * States this node's trust in `trustee` on `terms` (level 1-100, scope,
   * expiry), superseding its earlier statement or revocation about the same
   * trustee and scope, and publishes it; resolves once it is stored.
   */
  trust(trustee: TrusteeRef, terms: StatementTerms): Promise<TrustRecord>
  /** Withdraws this node's trust in `trustee` for `scope` ('' by default), and publishes the revocation. */
  revoke(trustee: TrusteeRef, scope?: string): Promise<TrustRecord>
  /** Whether this node trusts `peer` directly (unscoped): a friend, which the friend-to-friend mode lets connect. */
  isFriend(peer: TrusteeRef): boolean
  /**
   * Sends `body` (at most 16 KiB) to `to` through friends: sealed to `to`'s
   * key and signed inside the box, passed along links of mutual direct trust.
   * `to` receives a `letter` event. Fails with `NO_ROUTE` when no connected
   * friend leads there within `maxHops`.
   */
  send(to: TrusteeRef, body: Uint8Array): void
  /** This node's trust in `key` in `scope` ('' by default), as a fraction of its budget (1 for itself, 0 out of reach). */
  trustOf(key: TrusteeRef, scope?: string): number
  /** Trust from `viewer` (this node by default) in `scope`, kept up to date as records come and go until its `close()`. */
  viewpoint(viewer?: TrusteeRef, scope?: string): Viewpoint
  /** Attests, as an observer, that `terms.domain` at `terms.version` has root `terms.stateRoot`, and publishes it. */
  attest(terms: AttestationTerms): Promise<Attestation>
  /** The root of `domain` at `version` that observers whose trust from this node adds up to `threshold` attest (this node's own attestations aside). */
  trustedRoot(domain: string, version: number, threshold: number): TrustedRoot | undefined
  /** The latest version of `domain` with a trusted root at `threshold`, and that root. */
  latestTrustedRoot(domain: string, threshold: number): (TrustedRoot & { readonly version: number }) | undefined
  /** A web-of-trust `TrustPolicy` on this node's attestations and trust (see {@link WotTrustPolicy}), for frp-state. */
  trustPolicy(options: WotTrustPolicyOptions): WotTrustPolicy
  /** Resolves once every record so far is written to or deleted from the store. */
  flush(): Promise<void>
  /** Calls `listener` with every event: trust shifts of this node's viewpoint, records in and out, refusals, store failures. */
  onEvent(listener: (event: TrustWotServiceEvent) => void): Unsubscribe
}

/** Options of the service and the core; every one has a default (see `DEFAULTS`). */
export interface TrustWotInit {
  /** Longest a statement may be valid, ms; the same on every node of a network. Default 365 days. */
  readonly maxLifetime?: number
  /** Most a record's timestamp may lead this node's clock, and the replay window of gossip and Records messages, ms. Default 60 000. */
  readonly maxClockSkew?: number
  /** Most envelopes remembered to refuse replays. Default 10 000. */
  readonly maxSeenEnvelopes?: number
  /** Most records one truster may have. Default 256. */
  readonly maxRecordsPerTruster?: number
  /** Most records by trusters this node trusts; past it, new ones are dropped. Default 500 000. */
  readonly maxTrustedRecords?: number
  /** Most records by trusters this node does not trust; past it, the oldest are forgotten. Default 20 000. */
  readonly maxStrangerRecords?: number
  /** Most records and attestations sent to a peer as it connects. Default 100 000. */
  readonly maxSyncRecords?: number
  /** Versions of each domain whose attestations are kept, the latest. Default 1 024. */
  readonly maxVersions?: number
  /** Domains whose attestations are kept. Default 256. */
  readonly maxDomains?: number
  /** Observers whose attestations of one domain and version are kept. Default 64. */
  readonly maxObserversPerVersion?: number
  /** Most friends a routed message passes through. Default 4. */
  readonly maxHops?: number
  /** The metric: budget, decay, maxDepth (see {@link MetricParams}). */
  readonly metric?: Partial<MetricParams>
}

/** What the service needs from its node: the part of `@dscs/net`'s `ProtocolContext` it uses. */
export interface TrustWotComponents {
  /** The network port: the records topic, the Records protocol, penalties. */
  readonly net: Net
  /** This node's Ed25519 identity: the truster of its statements. */
  readonly identity: Identity
  readonly clock: Clock
  /** The timer that wakes the core when a statement expires. */
  readonly timers: Timers
  /** The node's signature verdicts, shared by every protocol on it. */
  readonly verificationCache?: VerificationCache
  /** Where records are kept: the node's LevelDB store with `createNode`; none keeps them in memory only. */
  readonly store?: Store | undefined
  /** The public key behind each peer and back, for friend-to-friend routing: libp2p PeerIds by default. */
  readonly directory?: PeerDirectory
}

/** The service factory {@link trustWot} returns, with the trust policies of the service it will build. */
export interface TrustWotFactory {
  (components: object): TrustWotService
  /**
   * A {@link WotTrustPolicy} on the service this factory builds, to hand to
   * another service of the same node before the node exists (frp-state's
   * `trust`): attached as the service is built; its ops stay pending until then.
   */
  trustPolicy(options: WotTrustPolicyOptions): WotTrustPolicy
  /**
   * The friend-to-friend connection filter: whether this node's service
   * (once built) trusts `peer` directly. Pass it to
   * `createNode({ allowPeer })` of `@dscs/net`, and the node connects only
   * with its friends.
   */
  readonly allowPeer: (peer: PeerRef) => boolean
}

/**
 * The libp2p service factory: `createNode({ services: { wot: trustWot(init) } })`,
 * after which `node.libp2p.services.wot` is the {@link TrustWot} service.
 * Records persist in the node's store (LevelDB under its data directory).
 */
export function trustWot(init: TrustWotInit = {}): TrustWotFactory {
  const policies: WotTrustPolicy[] = []
  let built: TrustWotService | undefined
  const factory = protocolService((context) => {
    const service = new TrustWotService(context, init)
    for (const policy of policies) service.attach(policy)
    built = service
    return service
  })
  return Object.assign(factory, {
    allowPeer: (peer: PeerRef) => built?.isFriend(peer) ?? false,
    trustPolicy: (options: WotTrustPolicyOptions) => {
      const policy = new WotTrustPolicy(options)
      policies.push(policy)
      return policy
    }
  })
}
