import { START, isEnd, type Bound } from './bound.js'
import { SYNC_VERSION } from './constants.js'
import { AT_END, HAS_COUNTER, HAS_PREFIX, MODES, type SyncRange } from './message.js'

/** Where a writer stood, to take back what was written after it. */
export interface WriterMark {
  readonly length: number
  readonly ranges: number
  readonly last: Bound
}

/** Encodes a reconciliation message range by range (format in message.ts), measuring as it goes. */
export class SyncMessageWriter {
  #buffer = new Uint8Array(1024)
  #length = 0
  #ranges = 0
  #last: Bound = START

  constructor() {
    this.#byte(SYNC_VERSION)
  }

  /** Bytes written so far. */
  get byteLength(): number {
    return this.#length
  }

  /** Ranges written so far. */
  get rangeCount(): number {
    return this.#ranges
  }

  /** Where the last range ends: the start of the order before any. */
  get last(): Bound {
    return this.#last
  }

  /** Appends `range`, which starts where the last one ended; its upper bound must come after that. */
  write(range: SyncRange): void {
    const { upper } = range
    const end = isEnd(upper)
    const header =
      MODES.indexOf(range.mode) |
      (end ? AT_END : 0) |
      (!end && upper.counter !== 0 ? HAS_COUNTER : 0) |
      (!end && upper.prefix.length > 0 ? HAS_PREFIX : 0)
    this.#byte(header)
    if (!end) {
      this.#varint(upper.wall - this.#last.wall)
      if (upper.counter !== 0) this.#varint(upper.counter)
      if (upper.prefix.length > 0) {
        this.#byte(upper.prefix.length)
        this.#bytes(upper.prefix)
      }
    }
    switch (range.mode) {
      case 'skip':
        break
      case 'fingerprint':
        this.#bytes(range.fingerprint)
        break
      case 'list':
        this.#varint(range.ids.length)
        for (const id of range.ids) this.#bytes(id)
        break
      case 'need':
        this.#varint(range.bitmap.length)
        this.#bytes(range.bitmap)
        break
    }
    this.#ranges++
    this.#last = upper
  }

  mark(): WriterMark {
    return { length: this.#length, ranges: this.#ranges, last: this.#last }
  }

  /** Takes back everything written after `mark`. */
  rollback(mark: WriterMark): void {
    this.#length = mark.length
    this.#ranges = mark.ranges
    this.#last = mark.last
  }

  /** The message: a copy of the bytes written. */
  finish(): Uint8Array {
    return this.#buffer.slice(0, this.#length)
  }

  #byte(value: number): void {
    this.#reserve(1)
    this.#buffer[this.#length++] = value
  }

  #bytes(value: Uint8Array): void {
    this.#reserve(value.length)
    this.#buffer.set(value, this.#length)
    this.#length += value.length
  }

  #varint(value: number): void {
    let rest = value
    while (rest >= 0x80) {
      this.#byte((rest % 0x80) | 0x80)
      rest = Math.floor(rest / 0x80)
    }
    this.#byte(rest)
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + extra))
    grown.set(this.#buffer.subarray(0, this.#length))
    this.#buffer = grown
  }
}
