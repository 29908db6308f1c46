import type { PeerRef } from '@dscs/interface'
import type { RoutingTable } from './routing-table.js'

/**
 * The relays to try for a browser peer's circuit-relay reservation, best
 * first: every candidate but those whose signed capacity record says they do
 * not relay, by score — measured RTT (else predicted), capacity (measured over
 * advertised, so a relay lying about its speed loses its place) and
 * reliability (a relay that failed a reservation or a ping drops). Ties keep
 * the candidates' order, e.g. the order of an invite's list.
 */
export function rankRelays(table: RoutingTable, candidates: readonly PeerRef[]): PeerRef[] {
  return [...new Set(candidates)]
    .filter((peer) => table.capacityRecord(peer)?.relay !== false)
    .map((peer) => ({ peer, score: table.score(peer).score }))
    .sort((a, b) => b.score - a.score)
    .map((c) => c.peer)
}

/**
 * Which relay a browser peer reserves its slot at, and the next one when that
 * fails: {@link rankRelays} over the candidates, skipping those that failed
 * within `retryAfter` ms, so a relay that just went away is not tried again
 * at once however well it measured. Each failure also counts against the
 * relay's reliability, each reservation held for it. Sans-I/O: every call
 * carries its time.
 */
export class RelayFailover {
  readonly #table: RoutingTable
  readonly #retryAfter: number
  readonly #failedAt = new Map<PeerRef, number>()
  #candidates: PeerRef[]

  constructor(table: RoutingTable, candidates: readonly PeerRef[], retryAfter: number) {
    this.#table = table
    this.#candidates = [...new Set(candidates)]
    this.#retryAfter = retryAfter
  }

  /** The candidates, e.g. with relays learned since from capacity records. */
  set candidates(candidates: readonly PeerRef[]) {
    this.#candidates = [...new Set(candidates)]
    for (const peer of this.#failedAt.keys()) if (!this.#candidates.includes(peer)) this.#failedAt.delete(peer)
  }

  /** The candidates to try at `now`, best first; empty while every one failed within `retryAfter`. */
  order(now: number): PeerRef[] {
    return rankRelays(this.#table, this.#candidates).filter((peer) => !(now - (this.#failedAt.get(peer) ?? -Infinity) < this.#retryAfter))
  }

  /** When a candidate that failed may be tried again; undefined when none waits. */
  retryAt(): number | undefined {
    let earliest: number | undefined
    for (const at of this.#failedAt.values()) earliest = Math.min(earliest ?? Infinity, at + this.#retryAfter)
    return earliest
  }

  /** A reservation at `peer` failed, or the relay holding it went away. */
  failed(peer: PeerRef, now: number): void {
    this.#failedAt.set(peer, now)
    this.#table.observeOutcome(peer, false, now)
  }

  /** A reservation at `peer` is held. */
  reserved(peer: PeerRef, now: number): void {
    this.#failedAt.delete(peer)
    this.#table.observeOutcome(peer, true, now)
  }
}
