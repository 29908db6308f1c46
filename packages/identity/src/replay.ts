import { IdentityError } from './errors.js'

export interface ReplayGuardOptions {
  /** Accepted clock skew either side of `now`, in ms. Default 30 s. */
  readonly windowMs?: number
  /** Most envelopes remembered at once. Default 100,000. */
  readonly maxEntries?: number
}

interface Seen {
  readonly id: string
  readonly timestamp: number
}

/**
 * Stops replays of ephemeral traffic: an envelope is accepted only when its
 * timestamp lies within ±window of `now`, and only once. The seen-set forgets
 * entries as their timestamps leave the window, so it never grows past what
 * one window holds; if a flood fills it anyway, the oldest entry is forgotten
 * and nothing at or before its timestamp is accepted again (fail closed, never
 * open to replay).
 */
export class ReplayGuard {
  readonly windowMs: number
  readonly maxEntries: number
  readonly #ids = new Set<string>()
  /** Min-heap on timestamp: the next entries to expire. */
  readonly #heap: Seen[] = []
  /** Timestamps at or below this were forgotten under pressure and are refused. */
  #floor = -Infinity

  constructor(options: ReplayGuardOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000
    this.maxEntries = options.maxEntries ?? 100_000
  }

  get size(): number {
    return this.#ids.size
  }

  /** Throws OUTSIDE_WINDOW or REPLAYED unless the envelope may be accepted now. Records nothing. */
  check(id: string, timestamp: number, now: number): void {
    if (Math.abs(timestamp - now) > this.windowMs) {
      throw new IdentityError('OUTSIDE_WINDOW', `timestamp ${timestamp} is more than ${this.windowMs} ms from now (${now})`)
    }
    this.#expire(now)
    if (timestamp <= this.#floor) {
      throw new IdentityError('OUTSIDE_WINDOW', `timestamp ${timestamp} is older than the replay guard can still remember`)
    }
    if (this.#ids.has(id)) throw new IdentityError('REPLAYED', `envelope ${id.slice(0, 16)}… was already accepted`)
  }

  /** Records an accepted envelope. Call after {@link check} and after the signature verified. */
  record(id: string, timestamp: number, now: number): void {
    this.#expire(now)
    if (this.#ids.has(id)) return
    if (this.#ids.size >= this.maxEntries) {
      const oldest = this.#pop()
      this.#floor = Math.max(this.#floor, oldest.timestamp)
    }
    this.#ids.add(id)
    this.#push({ id, timestamp })
  }

  /** Checks and records in one step, for callers with nothing to verify in between. */
  admit(id: string, timestamp: number, now: number): void {
    this.check(id, timestamp, now)
    this.record(id, timestamp, now)
  }

  /** Forgets entries whose timestamps left the window: the window check refuses them now. */
  #expire(now: number): void {
    const horizon = now - this.windowMs
    while (this.#heap.length > 0 && this.#heap[0]!.timestamp < horizon) this.#pop()
  }

  #push(entry: Seen): void {
    const heap = this.#heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.timestamp <= entry.timestamp) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = entry
  }

  #pop(): Seen {
    const heap = this.#heap
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      let i = 0
      while (true) {
        const left = 2 * i + 1
        if (left >= heap.length) break
        const right = left + 1
        const child = right < heap.length && heap[right]!.timestamp < heap[left]!.timestamp ? right : left
        if (heap[child]!.timestamp >= last.timestamp) break
        heap[i] = heap[child]!
        i = child
      }
      heap[i] = last
    }
    this.#ids.delete(top.id)
    return top
  }
}
