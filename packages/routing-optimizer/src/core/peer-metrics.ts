import { RttFilter } from './rtt-filter.js'

/** What this node measured of one peer. */
export interface PeerMeasurements {
  /** Smoothed round trip, ms (TCP's SRTT over filtered samples); undefined before the first sample. */
  readonly rtt: number | undefined
  /** Throughput of transfers from the peer, bytes per second (EWMA); undefined before the first. */
  readonly throughput: number | undefined
  /** How many transfers the throughput is measured from. */
  readonly transfers: number
  /** Share of requests answered, in (0, 1): Laplace-smoothed and decaying, so a peer can recover. */
  readonly reliability: number
  /** When the peer was last measured, ms. */
  readonly lastSeen: number
}

/** Weight of a new sample in the RTT and throughput averages: TCP's 1/8. */
const EWMA_GAIN = 0.125
/** Every outcome shrinks the older counts by this factor: about the last 50 outcomes count. */
const OUTCOME_DECAY = 0.98

interface Entry {
  filter: RttFilter
  rtt: number | undefined
  throughput: number | undefined
  transfers: number
  successes: number
  failures: number
  lastSeen: number
}

/**
 * The measurements of every peer this node has dealt with: RTT (pings and
 * timestamps piggybacked on other traffic), throughput of real transfers and
 * reliability (answered against failed or stalled requests). Bounded: past
 * `maxPeers`, the peer measured longest ago is forgotten.
 */
export class PeerMetrics {
  readonly #maxPeers: number
  // Insertion order is recency order: every update moves the peer to the end.
  readonly #entries = new Map<string, Entry>()

  constructor(maxPeers: number) {
    this.#maxPeers = maxPeers
  }

  /** Records an RTT sample; returns the filtered RTT, the one fit to move a coordinate. */
  rtt(peer: string, rtt: number, now: number): number {
    const entry = this.#touch(peer, now)
    const filtered = entry.filter.add(rtt)
    entry.rtt = entry.rtt === undefined ? filtered : entry.rtt + EWMA_GAIN * (filtered - entry.rtt)
    return filtered
  }

  /** Records a completed transfer of `bytes` that took `ms`; it also counts as an answered request. */
  transfer(peer: string, bytes: number, ms: number, now: number): void {
    const entry = this.#touch(peer, now)
    // A transfer under 1 ms says more about the clock than about the peer.
    const rate = (bytes * 1_000) / Math.max(ms, 1)
    entry.throughput = entry.throughput === undefined ? rate : entry.throughput + EWMA_GAIN * (rate - entry.throughput)
    entry.transfers++
    this.#outcome(entry, true)
  }

  /** Records a request answered (`true`) or failed or stalled (`false`). */
  outcome(peer: string, answered: boolean, now: number): void {
    this.#outcome(this.#touch(peer, now), answered)
  }

  get(peer: string): PeerMeasurements | undefined {
    const entry = this.#entries.get(peer)
    if (entry === undefined) return undefined
    const { rtt, throughput, transfers, lastSeen } = entry
    return { rtt, throughput, transfers, lastSeen, reliability: (entry.successes + 1) / (entry.successes + entry.failures + 2) }
  }

  peers(): string[] {
    return [...this.#entries.keys()]
  }

  forget(peer: string): void {
    this.#entries.delete(peer)
  }

  /** The peers last measured before `before`, ms, oldest first: a walk that stops at the first newer one. */
  *peersBefore(before: number): Generator<string> {
    for (const [peer, entry] of this.#entries) {
      if (entry.lastSeen >= before) return
      yield peer
    }
  }

  #outcome(entry: Entry, answered: boolean): void {
    entry.successes = entry.successes * OUTCOME_DECAY + (answered ? 1 : 0)
    entry.failures = entry.failures * OUTCOME_DECAY + (answered ? 0 : 1)
  }

  #touch(peer: string, now: number): Entry {
    let entry = this.#entries.get(peer)
    if (entry === undefined) {
      if (this.#entries.size >= this.#maxPeers) this.#entries.delete(this.#entries.keys().next().value!)
      entry = { filter: new RttFilter(), rtt: undefined, throughput: undefined, transfers: 0, successes: 0, failures: 0, lastSeen: now }
    }
    this.#entries.delete(peer)
    this.#entries.set(peer, entry)
    entry.lastSeen = now
    return entry
  }
}
