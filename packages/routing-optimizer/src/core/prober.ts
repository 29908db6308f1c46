import type { PeerRef } from '@dscs/interface'

/**
 * Decides whom to ping and when: one connected peer every `interval`, the one
 * whose last ping is oldest (never pinged first), so every peer is measured
 * in turn and the coordinate learns from many directions. Bounded: at most
 * `maxPeers` peers are tracked.
 */
export class Prober {
  readonly #interval: number
  readonly #maxPeers: number
  // Peer → when it was last pinged (-Infinity: never); insertion order breaks ties.
  readonly #lastPing = new Map<PeerRef, number>()
  #nextAt: number | undefined

  constructor(interval: number, maxPeers: number) {
    this.#interval = interval
    this.#maxPeers = maxPeers
  }

  start(now: number): void {
    this.#nextAt = now + this.#interval
  }

  connected(peer: PeerRef): void {
    if (this.#lastPing.has(peer) || this.#lastPing.size >= this.#maxPeers) return
    this.#lastPing.set(peer, -Infinity)
  }

  disconnected(peer: PeerRef): void {
    this.#lastPing.delete(peer)
  }

  /** When the next probe is due; undefined before start or with nobody to probe. */
  get nextAt(): number | undefined {
    return this.#lastPing.size === 0 ? undefined : this.#nextAt
  }

  /** The peer to ping now, if a probe is due. */
  due(now: number): PeerRef | undefined {
    if (this.#nextAt === undefined || now < this.#nextAt || this.#lastPing.size === 0) return undefined
    this.#nextAt = now + this.#interval
    let oldest: PeerRef | undefined
    let oldestAt = Infinity
    for (const [peer, at] of this.#lastPing) {
      if (at < oldestAt) {
        oldest = peer
        oldestAt = at
      }
    }
    this.#lastPing.set(oldest!, now)
    return oldest
  }
}
