import type { PeerRef } from './peer.js'

/** A request this node sent to `peer` at `sentAt`, awaiting its answer. */
export interface PendingRequest {
  readonly peer: PeerRef
  readonly sentAt: number
}

/**
 * The requests a sans-I/O core sent and awaits answers to, by id (its nonce
 * in hex): at most `max` at once, each given up `timeout` ms after it was
 * sent. Only the node's own calls add to it; an answer is taken only from
 * the peer the request went to.
 */
export class PendingRequests<T extends PendingRequest = PendingRequest> {
  readonly max: number
  readonly timeout: number
  readonly #waiting = new Map<string, T>()

  constructor(max: number, timeout: number) {
    this.max = max
    this.timeout = timeout
  }

  get size(): number {
    return this.#waiting.size
  }

  /** True when `max` requests await answers: the caller refuses another with its own error. */
  get full(): boolean {
    return this.#waiting.size >= this.max
  }

  add(id: string, request: T): void {
    this.#waiting.set(id, request)
  }

  /** The request `id` if it still awaits an answer from `peer`; undefined for a late answer, or one to a request never sent there. */
  awaited(id: string, peer: PeerRef): T | undefined {
    const request = this.#waiting.get(id)
    return request?.peer === peer ? request : undefined
  }

  /** Forgets request `id`: answered, or given up by its caller. */
  delete(id: string): void {
    this.#waiting.delete(id)
  }

  /** Removes and returns the requests that have waited `timeout` or longer by `now`. */
  expire(now: number): [string, T][] {
    const expired: [string, T][] = []
    for (const [id, request] of this.#waiting) {
      if (now - request.sentAt < this.timeout) continue
      this.#waiting.delete(id)
      expired.push([id, request])
    }
    return expired
  }

  /** When the oldest request times out; undefined when none waits. */
  nextDeadline(): number | undefined {
    let deadline: number | undefined
    for (const request of this.#waiting.values()) deadline = Math.min(deadline ?? Infinity, request.sentAt + this.timeout)
    return deadline
  }
}
