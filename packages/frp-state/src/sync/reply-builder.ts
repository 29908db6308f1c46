import type { OpPosition } from '../core/hlc.js'
import { KEY_BYTES, boundBetween, compareBounds, type Bound } from './bound.js'
import { FINGERPRINT_BYTES, ID_PREFIX_BYTES, MAX_SYNC_MESSAGE_BYTES, MAX_SYNC_RANGES } from './constants.js'
import { SyncMessageWriter } from './message-writer.js'
import type { SyncRange } from './message.js'
import type { OpIndex } from './op-index.js'

/** A range we sent that the peer must answer; `listed` holds the ops when we sent it as a list. */
export interface OpenRange<T> {
  readonly lower: Bound
  readonly upper: Bound
  readonly listed: readonly T[] | undefined
}

/** How a differing range is answered: split into `branching` parts, or listed when we hold at most `listThreshold` ops in it. */
export interface SplitPolicy {
  readonly branching: number
  readonly listThreshold: number
}

// Header, an 8-byte wall delta, a 3-byte counter, a prefix length and the longest prefix.
const LONGEST_RANGE_HEAD = 1 + 8 + 3 + 1 + KEY_BYTES
// Every reply keeps room for a skip and one fingerprint range covering whatever did not fit.
const REMAINDER_BYTES = 2 * LONGEST_RANGE_HEAD + FINGERPRINT_BYTES
const REMAINDER_RANGES = 2

/**
 * Builds our next message range by range, within the message limits, and
 * records the ranges in it that the peer must answer. An answer that would
 * not fit is refused, so the session can cover the rest with one
 * {@link ReplyBuilder.remainder} range instead.
 */
export class ReplyBuilder<T extends OpPosition> {
  readonly #writer = new SyncMessageWriter()
  readonly #open: OpenRange<T>[] = []
  readonly #index: OpIndex<T>
  readonly #policy: SplitPolicy

  constructor(index: OpIndex<T>, policy: SplitPolicy) {
    this.#index = index
    this.#policy = policy
  }

  /** The ranges of this message the peer must answer, in order. */
  get open(): readonly OpenRange<T>[] {
    return this.#open
  }

  /**
   * Answers a range where the peer's ops differ from ours, holding our ops of
   * ranks [from, to): lists them when few, else splits the range into parts of
   * equal count, each with its fingerprint. False, writing nothing, when the
   * answer does not fit.
   */
  differing(lower: Bound, upper: Bound, from: number, to: number): boolean {
    return this.#tentatively(() => {
      const count = to - from
      if (count <= this.#policy.listThreshold) {
        const listed = this.#index.slice(from, to)
        this.#add(lower, upper, listed, { mode: 'list', upper, ids: listed.map((op) => op.id.subarray(0, ID_PREFIX_BYTES)) })
        return
      }
      let partLower = lower
      let partFrom = from
      for (let k = 1; k <= this.#policy.branching; k++) {
        const last = k === this.#policy.branching
        const partTo = last ? to : from + Math.floor((k * count) / this.#policy.branching)
        const partUpper = last ? upper : boundBetween(this.#index.at(partTo - 1), this.#index.at(partTo))
        this.#add(partLower, partUpper, undefined, { mode: 'fingerprint', upper: partUpper, fingerprint: this.#index.fingerprintOf(partFrom, partTo) })
        partLower = partUpper
        partFrom = partTo
      }
    })
  }

  /** Tells the peer which of the ops it listed over [lower, upper) we lack; false, writing nothing, when it does not fit. */
  need(lower: Bound, upper: Bound, bitmap: Uint8Array): boolean {
    return this.#tentatively(() => {
      this.#skipTo(lower)
      this.#writer.write({ mode: 'need', upper, bitmap })
    })
  }

  /** Covers [lower, upper) with one fingerprint of ours, for the peer to split: what did not fit in this message. Always fits. */
  remainder(lower: Bound, upper: Bound): void {
    this.#add(lower, upper, undefined, { mode: 'fingerprint', upper, fingerprint: this.#index.fingerprintOf(this.#index.rank(lower), this.#index.rank(upper)) })
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return this.#writer.finish()
  }

  #add(lower: Bound, upper: Bound, listed: readonly T[] | undefined, range: SyncRange): void {
    this.#skipTo(lower)
    this.#writer.write(range)
    this.#open.push({ lower, upper, listed })
  }

  #skipTo(lower: Bound): void {
    if (compareBounds(this.#writer.last, lower) < 0) this.#writer.write({ mode: 'skip', upper: lower })
  }

  /** Runs `write`; keeps what it wrote only when the message still has room for a remainder range. */
  #tentatively(write: () => void): boolean {
    const mark = this.#writer.mark()
    const open = this.#open.length
    write()
    const fits =
      this.#writer.byteLength + REMAINDER_BYTES <= MAX_SYNC_MESSAGE_BYTES && this.#writer.rangeCount + REMAINDER_RANGES <= MAX_SYNC_RANGES
    if (!fits) {
      this.#writer.rollback(mark)
      this.#open.length = open
    }
    return fits
  }
}
