import type { PeerRef } from '@dscs/interface'
import { PeerMetrics, type PeerMeasurements } from './peer-metrics.js'
import { PeerScorer, type PeerScore, type ScoreOptions } from './score.js'
import type { CapacityRecordValue } from './messages.js'
import { Vivaldi, distance, isUsableCoordinate, type Coordinate, type VivaldiOptions } from './vivaldi.js'

/** A capacity record as kept: what it says and when it arrived. */
export interface KnownCapacity extends CapacityRecordValue {
  /** The signed envelope's timestamp: a record issued earlier than the one kept is stale. */
  readonly issuedAt: number
  readonly receivedAt: number
}

/** How well this node's coordinate predicts the RTTs it measured. */
export interface PredictionError {
  /** The node's own Vivaldi error estimate (a moving average of relative sample errors). */
  readonly estimate: number
  /** Median |predicted − measured| / measured over peers both measured and placed; undefined with none. */
  readonly median: number | undefined
  /** How many peers the median is over. */
  readonly peers: number
}

/** Options of {@link RoutingTable}. */
export interface RoutingTableOptions extends ScoreOptions {
  readonly vivaldi: VivaldiOptions
  /** Most peers measured, placed and advertised about. */
  readonly maxPeers: number
}

/**
 * Everything this node knows of other peers' speed, in one bounded place:
 * measurements ({@link PeerMetrics}), its own Vivaldi coordinate and the last
 * coordinate each peer told, signed capacity records, and the scores drawn
 * from them. Sans-I/O: every input carries its time.
 */
export class RoutingTable {
  readonly metrics: PeerMetrics
  readonly #vivaldi: Vivaldi
  readonly #scorer: PeerScorer
  readonly #maxPeers: number
  readonly #dimensions: number
  // With when each was told; insertion order is recency order, as in the other maps.
  readonly #coordinates = new Map<PeerRef, { readonly coordinate: Coordinate; readonly at: number }>()
  readonly #capacities = new Map<PeerRef, KnownCapacity>()

  constructor(options: RoutingTableOptions) {
    this.metrics = new PeerMetrics(options.maxPeers)
    this.#vivaldi = new Vivaldi(options.vivaldi)
    this.#dimensions = this.#vivaldi.coordinate.vector.length
    this.#scorer = new PeerScorer(options)
    this.#maxPeers = options.maxPeers
  }

  /** This node's coordinate. */
  get coordinate(): Coordinate {
    return this.#vivaldi.coordinate
  }

  /**
   * An RTT sample to `peer`, from a ping or a piggybacked timestamp, with the
   * peer's coordinate when the sample came with one: the filtered RTT moves
   * this node's coordinate toward where it should be.
   */
  observeRtt(peer: PeerRef, rtt: number, now: number, coordinate?: Coordinate): void {
    if (!(rtt >= 0 && Number.isFinite(rtt))) return
    if (coordinate !== undefined) this.#place(peer, coordinate, now)
    const filtered = this.metrics.rtt(peer, rtt, now)
    const known = this.#coordinates.get(peer)
    if (known !== undefined) this.#vivaldi.update(Math.max(filtered, 0.1), known.coordinate)
  }

  /**
   * A transfer of `bytes` from `peer` that took `ms` on the wire. For
   * pipelined requests, count from the previous answer's arrival (or the
   * request, if later): time queued behind its own earlier answers is not slowness.
   */
  observeTransfer(peer: PeerRef, bytes: number, ms: number, now: number): void {
    if (bytes >= 0 && ms >= 0 && Number.isFinite(bytes) && Number.isFinite(ms)) this.metrics.transfer(peer, bytes, ms, now)
  }

  /** A request to `peer` answered, or failed or stalled. */
  observeOutcome(peer: PeerRef, answered: boolean, now: number): void {
    this.metrics.outcome(peer, answered, now)
  }

  /** Keeps `peer`'s verified capacity record (the newest replaces the older). */
  advertised(peer: PeerRef, record: CapacityRecordValue, issuedAt: number, now: number): void {
    bounded(this.#capacities, this.#maxPeers, peer, { ...record, issuedAt, receivedAt: now })
    if (record.coordinate !== undefined) this.#place(peer, record.coordinate, now)
  }

  capacityRecord(peer: PeerRef): KnownCapacity | undefined {
    return this.#capacities.get(peer)
  }

  /** The RTT to `peer` its coordinate predicts, ms, or undefined when it never told its coordinate. */
  predictRtt(peer: PeerRef): number | undefined {
    const known = this.#coordinates.get(peer)
    return known === undefined ? undefined : distance(this.#vivaldi.coordinate, known.coordinate)
  }

  /** Every peer this node knows of: measured, placed by a coordinate, or advertised; scorable, so choosable without a connection. */
  peers(): PeerRef[] {
    return [...new Set([...this.metrics.peers(), ...this.#coordinates.keys(), ...this.#capacities.keys()])]
  }

  /**
   * The `count` best-scored peers whose RTT is only predicted: the ones worth
   * measuring before choosing among them, since a coordinate's error is
   * largest where it matters most (a peer slow on every link, placed by a
   * large height, ranks near others it is far slower than).
   */
  worthMeasuring(count: number): PeerRef[] {
    return this.peers()
      .filter((peer) => this.metrics.get(peer)?.rtt === undefined && this.predictRtt(peer) !== undefined)
      .map((peer) => ({ peer, score: this.score(peer).score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, count)
      .map((c) => c.peer)
  }

  measurements(peer: PeerRef): PeerMeasurements | undefined {
    return this.metrics.get(peer)
  }

  score(peer: PeerRef): PeerScore {
    return this.#scorer.score(peer, this.#input(peer))
  }

  /** The capacity work is weighed by, bytes per second: measured over advertised, liars marked down, times reliability. */
  capacity(peer: PeerRef): number | undefined {
    const effective = this.#scorer.capacity(this.#input(peer)).effectiveCapacity
    return effective === undefined ? undefined : effective * (this.metrics.get(peer)?.reliability ?? 1)
  }

  predictionError(): PredictionError {
    const errors: number[] = []
    for (const peer of this.metrics.peers()) {
      const measured = this.metrics.get(peer)?.rtt
      const predicted = this.predictRtt(peer)
      if (measured !== undefined && measured > 0 && predicted !== undefined) errors.push(Math.abs(predicted - measured) / measured)
    }
    errors.sort((a, b) => a - b)
    return { estimate: this.#vivaldi.coordinate.error, median: errors[Math.floor((errors.length - 1) / 2)], peers: errors.length }
  }

  forget(peer: PeerRef): void {
    this.metrics.forget(peer)
    this.#coordinates.delete(peer)
    this.#capacities.delete(peer)
  }

  /**
   * Forgets every peer nothing was heard of since `before` (ms): no measurement, coordinate or capacity record, so
   * peers gone away leave no stale score behind. A peer is forgotten whole: one still advertising keeps what was
   * measured of it, so a liar cannot wash its measured capacity off by keeping quiet while its claim stays fresh.
   */
  prune(before: number): void {
    const stale = new Set<PeerRef>()
    // Each map is in recency order: only its entries older than `before` are looked at.
    for (const peer of this.metrics.peersBefore(before)) stale.add(peer)
    for (const [peer, known] of this.#coordinates) {
      if (known.at >= before) break
      stale.add(peer)
    }
    for (const [peer, record] of this.#capacities) {
      if (record.receivedAt >= before) break
      stale.add(peer)
    }
    for (const peer of stale) if (this.#lastHeard(peer) < before) this.forget(peer)
  }

  #lastHeard(peer: PeerRef): number {
    return Math.max(this.metrics.get(peer)?.lastSeen ?? -Infinity, this.#coordinates.get(peer)?.at ?? -Infinity, this.#capacities.get(peer)?.receivedAt ?? -Infinity)
  }

  #place(peer: PeerRef, coordinate: Coordinate, now: number): void {
    if (isUsableCoordinate(coordinate, this.#dimensions)) bounded(this.#coordinates, this.#maxPeers, peer, { coordinate, at: now })
  }

  #input(peer: PeerRef): { measured: PeerMeasurements | undefined; predictedRtt: number | undefined; advertised: number | undefined } {
    return { measured: this.metrics.get(peer), predictedRtt: this.predictRtt(peer), advertised: this.#capacities.get(peer)?.uploadBytesPerSecond }
  }
}

// Sets key to value as the newest entry, forgetting the oldest past `max`.
function bounded<V>(map: Map<PeerRef, V>, max: number, key: PeerRef, value: V): void {
  map.delete(key)
  if (map.size >= max) map.delete(map.keys().next().value!)
  map.set(key, value)
}
