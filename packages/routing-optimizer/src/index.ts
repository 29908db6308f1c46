/**
 * @packageDocumentation
 *
 * A self-organising network in which the fastest nodes carry more traffic.
 *
 * {@link RoutingOptimizerCore}, a sans-I/O `ProtocolCore` on
 * `/dscs/routing-optimizer/1.0.0` and the topic {@link CAPACITY_TOPIC},
 * measures peers (signed pings whose Pong carries the answerer's
 * {@link Coordinate}, piggybacked echo timestamps, transfers, failures),
 * learns a {@link Vivaldi} coordinate with height that predicts RTTs to peers
 * never measured, publishes and checks signed capacity records, and keeps it
 * all in a bounded {@link RoutingTable} whose {@link PeerScorer} scores peers
 * from latency, capacity (measured over advertised: a liar loses weight),
 * reliability and an optional trust function. {@link bestPlusRandom},
 * {@link chooseByCapacity} and {@link weightedOrder} choose connections and work.
 *
 * {@link routingOptimizer} is the libp2p service factory: it probes, advertises,
 * feeds gossipsub's application-specific score through the node's Net, is a
 * `PeerSelector` for `@dscs/chunk-distribution`, and prunes connections to the
 * best K plus random slots. Bad input from a peer is dropped and the peer
 * penalised through `Net.penalise`, with the error's stable `code`.
 *
 * @example
 * ```ts
 * import { createNode } from '@dscs/net' // in Node, the entry with createNode
 * import { routingOptimizer, type RoutingOptimizer } from '@dscs/routing-optimizer'
 *
 * const options = { services: { routing: routingOptimizer({ capacity: () => ({ uploadBytesPerSecond: 5e6, relay: false }) }) } }
 * const alice = await createNode(options)
 * const bob = await createNode(options)
 * await alice.dial(bob.multiaddrs()[0]!)
 *
 * const routing = alice.libp2p.services.routing as RoutingOptimizer
 * console.log(`${bob.peerId} answered in ${await routing.ping(bob.peerId)} ms`)
 * console.log(routing.score(bob.peerId), routing.predictionError())
 * await alice.stop()
 * await bob.stop()
 * ```
 */
import type { Identity, VerificationCache } from '@dscs/identity'
import type { Clock, Net, PeerRef, Unsubscribe } from '@dscs/interface'
import { protocolService, type Timers } from '@dscs/net'
import type { CapacityClaim, RoutingOptimizerEvent } from './core/core.js'
import type { SelectableCandidate, TransferObservation } from './core/capacity-selector.js'
import type { PredictionError } from './core/routing-table.js'
import type { PeerScore, ScoreOptions } from './core/score.js'
import type { Coordinate, VivaldiOptions } from './core/vivaldi.js'
import { RoutingOptimizerService } from './service.js'

export { PROTOCOL_ID, CAPACITY_TOPIC, KIND_PREFIX, NONCE_BYTES, MAX_ADVERTISED_BYTES_PER_SECOND } from './core/constants.js'
export { RoutingOptimizerCore } from './core/core.js'
export type { RoutingOptimizerCoreOptions, RoutingOptimizerEvent, RoutingOptimizerPing, CapacityClaim } from './core/core.js'
export { RoutingOptimizerError } from './core/errors.js'
export type { RoutingOptimizerErrorCode } from './core/errors.js'
export { PingPayload, PongPayload, CapacityRecordPayload } from './core/messages.js'
export type { NoncePayload, PongPayloadValue, CapacityRecordValue } from './core/messages.js'
export { Vivaldi, distance, MAX_ERROR } from './core/vivaldi.js'
export type { Coordinate, VivaldiOptions } from './core/vivaldi.js'
export { RttFilter } from './core/rtt-filter.js'
export { PeerMetrics } from './core/peer-metrics.js'
export type { PeerMeasurements } from './core/peer-metrics.js'
export { EchoTimestamps } from './core/echo-timestamps.js'
export { PeerScorer } from './core/score.js'
export type { ScoreOptions, PeerScore, ScoreInput } from './core/score.js'
export { RoutingTable } from './core/routing-table.js'
export type { RoutingTableOptions, KnownCapacity, PredictionError } from './core/routing-table.js'
export { bestPlusRandom, weightedOrder, chooseByCapacity } from './core/selection.js'
export { rankRelays, RelayFailover } from './core/relay-choice.js'
export { CapacitySelector } from './core/capacity-selector.js'
export type { SelectableCandidate, TransferObservation } from './core/capacity-selector.js'
export type { Weighted, CapacityCandidate, CapacityLimits } from './core/selection.js'

/** The service: measures peers, learns a coordinate, advertises capacity, and scores and chooses peers. */
export interface RoutingOptimizer {
  /** Nothing: libp2p calls it as the node starts, before gossipsub runs. */
  start(): void
  /** Registers the protocol and topic handlers and starts probing (and advertising, with `capacity`). libp2p calls it once every service started. */
  afterStart(): void
  /** Unregisters them; pings still awaiting an answer fail with `NOT_RUNNING`. libp2p calls it (through `beforeStop`) as the node stops. */
  stop(): void
  /** {@link stop}, while gossipsub still runs. libp2p calls it as the node begins to stop. */
  beforeStop(): void
  /**
   * Pings `peer` (a PeerId string) and resolves to the round-trip time in
   * milliseconds, which also moves this node's coordinate. Fails with a
   * {@link RoutingOptimizerError}: `TIMEOUT`, `SEND_FAILED` (e.g. the peer
   * does not run the service), `TOO_MANY_PINGS` or `NOT_RUNNING`.
   */
  ping(peer: PeerRef): Promise<number>
  /** `peer`'s score and what it is made of. */
  score(peer: PeerRef): PeerScore
  /** The RTT to `peer`, ms: measured if it was, else predicted from its coordinate, else undefined. */
  predictRtt(peer: PeerRef): number | undefined
  /** The RTT to `peer` its last told Vivaldi coordinate predicts, ms, measured or not (compare with the measured RTT); undefined without one. */
  coordinateRtt(peer: PeerRef): number | undefined
  /** This node's Vivaldi coordinate. */
  readonly coordinate: Coordinate
  /** How well the coordinate predicts the RTTs measured: the node's estimate and the median over measured peers. */
  predictionError(): PredictionError
  /** Reports a transfer of `bytes` from `peer` that took `ms` on the wire (from the previous answer, for pipelined requests). */
  observeTransfer(peer: PeerRef, bytes: number, ms: number): void
  /** Reports a request to `peer` answered, or failed or stalled. */
  observeOutcome(peer: PeerRef, answered: boolean): void
  /** A timestamp to piggyback on a request to `peer`; hand its echo to {@link echoed} for an RTT sample. */
  stamp(peer: PeerRef): number
  /** `peer` echoed `timestamp`: if this node stamped it for `peer`, an RTT sample. */
  echoed(peer: PeerRef, timestamp: number): void
  /** Publishes a signed capacity record now (besides the periodic ones with `capacity`). */
  advertise(capacity: CapacityClaim): void
  /**
   * `peer`'s score times `appScoreScale`: gossipsub's application-specific
   * score. The service registers it with the node's Net as it starts, and
   * `createNode` of `@dscs/net` feeds it to gossipsub, so the mesh keeps the better peers.
   */
  appSpecificScore(peer: PeerRef): number
  /**
   * A `PeerSelector` for `@dscs/chunk-distribution`: the candidates in a
   * random order weighted by capacity (measured over advertised, times
   * reliability), leaving out those under `minRelativeWeight` of the heaviest
   * connected holder of the content ({@link CapacitySelector}).
   */
  order(content: unknown, candidates: readonly SelectableCandidate[]): PeerRef[]
  /**
   * The other half of the `PeerSelector`: chunk-distribution reports each
   * piece received (→ {@link observeTransfer}) and each request timed out or
   * answered with bad data (→ {@link observeOutcome}, failed), so throughput
   * and reliability come from real transfers with no call of the application.
   */
  observe(observation: TransferObservation): void
  /** The connected peers to keep: the `best` by score plus `random` others (anti-eclipse); the rest to prune. */
  selectConnections(slots: { readonly best: number; readonly random: number }): { keep: PeerRef[]; prune: PeerRef[] }
  /** Closes the connections {@link selectConnections} would prune; resolves to those peers. Fails with `NOT_SUPPORTED` on a Net without `hangUp`. */
  pruneConnections(slots: { readonly best: number; readonly random: number }): Promise<PeerRef[]>
  /** Up to `count` connected peers whose capacity record offers relaying, best score first: relays for browser peers. */
  relays(count: number): PeerRef[]
  /**
   * Where a browser peer reserves its circuit-relay slot among `candidates`
   * (e.g. the relays of its invite, connected or not), and where it goes when
   * that fails: {@link RelaySelection}.
   */
  relaySelection(candidates: readonly PeerRef[], options?: { readonly retryAfter?: number }): RelaySelection
  /** Calls `listener` with every event: each pong, timeout and capacity record kept. */
  onEvent(listener: (event: RoutingOptimizerEvent) => void): Unsubscribe
}

/**
 * A browser peer's choice of relay ({@link RelayFailover} on the service's
 * table and clock): the candidates best first by score — measured RTT, else
 * predicted; capacity, measured over advertised; reliability — without those
 * whose signed record says they do not relay, nor those that failed within
 * `retryAfter` (default 30 s).
 */
export interface RelaySelection {
  /** The candidates to try now, best first; empty while every one failed recently. */
  order(): PeerRef[]
  /** Milliseconds until a failed candidate may be tried again; undefined when none waits. */
  retryIn(): number | undefined
  /** Replaces the candidates (e.g. adds relays learned from capacity records). */
  setCandidates(candidates: readonly PeerRef[]): void
  /** The reservation at `peer` failed, or the relay went away: skipped for `retryAfter`, and counted against its reliability. */
  failed(peer: PeerRef): void
  /** A reservation at `peer` is held: counted for its reliability. */
  reserved(peer: PeerRef): void
}

/** Options of the service; every one has a default. */
export interface RoutingOptimizerInit {
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
  /** How often one connected peer (the one pinged longest ago) is pinged, ms. Default 5 000. */
  readonly probeInterval?: number
  /** How often this node's capacity record is published, ms, when `capacity` is given. Default 60 000. */
  readonly advertiseInterval?: number
  /**
   * What this node claims in its signed capacity record: its measured upload
   * throughput and whether it relays. Without it, no record is published.
   */
  readonly capacity?: () => CapacityClaim
  /**
   * What was last heard of a peer (measurement, coordinate, capacity record) more than this long ago, ms, is forgotten at the
   * next tick, so peers gone away leave no stale score behind. Default 600 000 (10 min).
   */
  readonly staleAfter?: number
  /** Most peers measured, placed and advertised about; past it, the one measured longest ago is forgotten. Default 1 024. */
  readonly maxPeers?: number
  /** How peers are scored: scales, exponents and the optional trust input (e.g. from `@dscs/trust-wot`). */
  readonly score?: ScoreOptions
  /** The Vivaldi coordinate: dimensions (default 3) and gains (default 0.25, the paper's). */
  readonly vivaldi?: Omit<VivaldiOptions, 'random'>
  /** The application-specific gossipsub score is the peer score, in [0, 1], times this. Default 1 (gossipsub weighs it by 10). */
  readonly appScoreScale?: number
  /** The peer selector leaves out candidates weighing less than this share of the heaviest. Default 0.25. */
  readonly minRelativeWeight?: number
}

/**
 * What the service needs from its node: the part of `@dscs/net`'s
 * `ProtocolContext` it uses, which {@link routingOptimizer} receives from the
 * node's `net` service.
 */
export interface RoutingOptimizerComponents {
  /**
   * The network port: direct messages on `PROTOCOL_ID`, the capacity topic,
   * penalties for bad input; `hangUp` to prune connections, and
   * `setAppSpecificScore` (of `Libp2pNet`) to feed gossipsub's score.
   */
  readonly net: Net & { setAppSpecificScore?(score: ((peer: PeerRef) => number) | undefined): void }
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
 * A `PeerSelector` for `@dscs/chunk-distribution` that defers to the routing
 * service `routing()` returns: it orders the candidates and is told of every
 * transfer. Both services are built with the node, hence the function:
 * `chunkDistribution({ selector: routingSelector(() => node.libp2p.services.routing as RoutingOptimizer) })`.
 */
export function routingSelector(routing: () => Pick<RoutingOptimizer, 'order' | 'observe'>): {
  order(content: unknown, candidates: readonly SelectableCandidate[]): PeerRef[]
  observe(observation: TransferObservation): void
} {
  return { order: (content, candidates) => routing().order(content, candidates), observe: (observation) => routing().observe(observation) }
}

/**
 * The libp2p service factory:
 * `createNode({ services: { routingOptimizer: routingOptimizer(init) } })`, after which
 * `node.libp2p.services.routingOptimizer` is the {@link RoutingOptimizer} service. It
 * needs the node's `net` service, which `createNode` of `@dscs/net` registers
 * (with plain `createLibp2p`, register `dscsNet()` before it).
 */
export function routingOptimizer(init: RoutingOptimizerInit = {}): (components: object) => RoutingOptimizer {
  return protocolService((context) => new RoutingOptimizerService(context, init))
}
