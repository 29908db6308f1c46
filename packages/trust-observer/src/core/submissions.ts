import type { PeerRef } from '@dscs/interface'
import type { CommittedBatch } from './receipts.js'

/** Who waits for an entry's receipt: a peer, by the number of its Submit. */
export interface Waiter {
  readonly peer: PeerRef
  readonly request: number
}

/** An entry from its admission until it leaves the replay window: queued, committing, then committed. */
export interface Submission {
  /**
   * The envelope hash, the entry's id, in hex: the key of the verification
   * cache and of this map, and all that is kept of the id (its bytes are
   * written from it into its batch's array of ids at commit).
   */
  readonly hex: string
  /** The envelope as submitted: the bytes logged (emptied once they are). */
  bytes: Uint8Array
  /** The envelope's timestamp. */
  readonly timestamp: number
  /** When the observer admitted it. */
  readonly arrived: number
  /** Who gets the receipt once it is committed; emptied then. */
  waiters: Waiter[]
  /** Its index in the log once committed, −1 until then. */
  index: number
  /**
   * The signed batch its receipt comes from and its position there: set at
   * commit, or on first need for an entry remembered from the log after a
   * restart. Fields of the submission, not an object of their own: the
   * replay window keeps one of these an entry.
   */
  batch: CommittedBatch | undefined
  position: number
}

/**
 * The submissions of the replay window, by id, so a duplicate gets the
 * receipt of the first. An envelope admitted at time t has a timestamp of at
 * least t − window, so after t + 2·window no copy of it is admissible any
 * more and it is forgotten, oldest first. Bounded: past `maxEntries` the
 * oldest is forgotten early and the floor rises to its timestamp, below
 * which nothing new is admitted (fail closed, never open to a duplicate).
 */
export class RecentSubmissions {
  readonly #entries = new Map<string, Submission>()
  readonly #maxEntries: number
  readonly #horizon: number
  #floor = -Infinity

  constructor(maxEntries: number, windowMs: number) {
    this.#maxEntries = maxEntries
    this.#horizon = 2 * windowMs
  }

  get size(): number {
    return this.#entries.size
  }

  /** Timestamps at or below this are refused: their duplicates may have been forgotten. */
  get floor(): number {
    return this.#floor
  }

  get(hex: string): Submission | undefined {
    return this.#entries.get(hex)
  }

  add(submission: Submission): void {
    if (this.#entries.size >= this.#maxEntries) {
      const [hex, oldest] = this.#entries.entries().next().value!
      this.#entries.delete(hex)
      this.#floor = Math.max(this.#floor, oldest.timestamp)
    }
    this.#entries.set(submission.hex, submission)
  }

  delete(hex: string): void {
    this.#entries.delete(hex)
  }

  /** Forgets what no admissible duplicate can name any more. */
  expire(now: number): void {
    for (const [hex, submission] of this.#entries) {
      if (submission.arrived >= now - this.#horizon) return
      this.#entries.delete(hex)
    }
  }
}
