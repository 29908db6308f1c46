import type { UpdatePayload } from './messages.js'

interface Queued {
  readonly update: UpdatePayload
  transmits: number
}

/**
 * The updates waiting to be piggybacked: one per member (a newer one replaces
 * the older), each sent at most `limit(members)` times, the least sent first,
 * so the queue stays as large as the membership and each message's share is bounded.
 */
export class GossipQueue {
  readonly #queued = new Map<string, Queued>()
  readonly #multiplier: number

  constructor(multiplier: number) {
    this.#multiplier = multiplier
  }

  /** Queues `update`, replacing whatever was queued about its member. */
  add(update: UpdatePayload): void {
    this.#queued.set(update.member, { update, transmits: 0 })
  }

  /** Up to `count` updates for one message, counting each as sent once more. */
  take(count: number, members: number): UpdatePayload[] {
    if (this.#queued.size === 0) return []
    // SWIM's λ·log(n): enough sends for an update to reach every member with high probability.
    const limit = Math.max(1, Math.ceil(this.#multiplier * Math.log10(members + 1)))
    const chosen = [...this.#queued.values()].sort((a, b) => a.transmits - b.transmits).slice(0, count)
    for (const entry of chosen) {
      entry.transmits += 1
      if (entry.transmits >= limit) this.#queued.delete(entry.update.member)
    }
    return chosen.map((entry) => entry.update)
  }

  get size(): number {
    return this.#queued.size
  }
}
