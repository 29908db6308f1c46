import type { PeerRef } from '@dscs/interface'
import type { RoutingTable } from './routing-table.js'
import { weightedOrder } from './selection.js'

/** What a peer selector is told of each candidate (the shape of chunk-distribution's `PeerCandidate`). */
export interface SelectableCandidate {
  readonly peer: PeerRef
  /** Throughput the caller measured, bytes per ms; 0 when it has none. */
  readonly throughput: number
}

/** What a transfer showed of a peer (the shape of chunk-distribution's `PeerObservation`). */
export type TransferObservation =
  /** `bytes` received from `peer` in `ms` of its own (pipelined requests counted from the previous answer). */
  | { readonly type: 'piece'; readonly peer: PeerRef; readonly bytes: number; readonly ms: number }
  /** A request to `peer` failed: timed out, stalled, or answered with bad data. */
  | { readonly type: 'failed'; readonly peer: PeerRef; readonly reason: string }

/** Contents whose holders are remembered; the one asked about longest ago is forgotten first. */
const MAX_CONTENTS = 64
/** Holders remembered per content. */
const MAX_HOLDERS = 256

/**
 * Orders the peers to ask for a content: a random order weighted by
 * capacity × reliability, leaving out peers under `minRelativeWeight` of the
 * heaviest connected holder of that content. Callers offer only the peers
 * with room at the moment, so the holders seen in earlier calls are
 * remembered: a slow holder offered alone, while the fast ones are busy, is
 * still left out; once no fast holder is connected, it is asked.
 */
export class CapacitySelector {
  readonly #table: RoutingTable
  readonly #connected: (peer: PeerRef) => boolean
  readonly #minRelativeWeight: number
  readonly #random: () => number
  readonly #holders = new Map<string, Set<PeerRef>>()

  constructor(options: { table: RoutingTable; connected: (peer: PeerRef) => boolean; minRelativeWeight: number; random: () => number }) {
    this.#table = options.table
    this.#connected = options.connected
    this.#minRelativeWeight = options.minRelativeWeight
    this.#random = options.random
  }

  order(content: unknown, candidates: readonly SelectableCandidate[]): PeerRef[] {
    const holders = this.#remember(String(content), candidates)
    const rates = new Map(candidates.map((c) => [c.peer, c.throughput * 1_000]))
    // A peer's weight: the table's capacity, else the rate the caller measured (bytes/ms), else unknown.
    const known = (peer: PeerRef): number | undefined => {
      const capacity = this.#table.capacity(peer)
      if (capacity !== undefined) return capacity
      const rate = rates.get(peer) ?? 0
      return rate > 0 ? rate * (this.#table.measurements(peer)?.reliability ?? 1) : undefined
    }
    let heaviest = 0
    for (const peer of holders) if (this.#connected(peer)) heaviest = Math.max(heaviest, known(peer) ?? 0)
    // Peers not yet measured weigh as much as the heaviest: each is tried before it is judged.
    const weighted = candidates.map((c) => ({ peer: c.peer, weight: known(c.peer) ?? (heaviest > 0 ? heaviest : 1) }))
    return weightedOrder(
      weighted.filter((w) => w.weight >= heaviest * this.#minRelativeWeight),
      this.#random
    )
  }

  #remember(content: string, candidates: readonly SelectableCandidate[]): Set<PeerRef> {
    let holders = this.#holders.get(content)
    this.#holders.delete(content)
    if (holders === undefined) {
      if (this.#holders.size >= MAX_CONTENTS) this.#holders.delete(this.#holders.keys().next().value!)
      holders = new Set()
    }
    this.#holders.set(content, holders)
    for (const c of candidates) if (holders.size < MAX_HOLDERS) holders.add(c.peer)
    return holders
  }
}
