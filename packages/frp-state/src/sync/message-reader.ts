import { FrpStateError } from '../core/errors.js'
import { MAX_HLC_COUNTER } from '../core/hlc.js'
import { END, KEY_BYTES, START, compareBounds, type Bound } from './bound.js'
import { FINGERPRINT_BYTES, ID_PREFIX_BYTES, MAX_LISTED_IDS, MAX_SYNC_MESSAGE_BYTES, MAX_SYNC_RANGES, SYNC_VERSION } from './constants.js'
import { AT_END, HAS_COUNTER, HAS_PREFIX, MODES, MODE_BITS, type SyncRange } from './message.js'

const KNOWN_BITS = MODE_BITS | AT_END | HAS_COUNTER | HAS_PREFIX
const MAX_BITMAP_BYTES = Math.ceil(MAX_LISTED_IDS / 8)

/**
 * Decodes a reconciliation message (format in message.ts). Refuses, before
 * reading, a message over the size limit (`SYNC_MESSAGE_TOO_LARGE`), and
 * while reading one with too many ranges (`SYNC_MESSAGE_TOO_LARGE`) or that
 * is malformed: truncated, an unknown version or flag, bounds not strictly
 * increasing, a counter or wall out of range, a list too long
 * (`BAD_SYNC_MESSAGE`). Fingerprints, ids and bitmaps are views into
 * `bytes`; bound prefixes are copies.
 */
export function decodeSyncMessage(bytes: Uint8Array): SyncRange[] {
  if (bytes.length > MAX_SYNC_MESSAGE_BYTES) {
    throw new FrpStateError('SYNC_MESSAGE_TOO_LARGE', `reconciliation message of ${bytes.length} bytes exceeds ${MAX_SYNC_MESSAGE_BYTES}`)
  }
  const reader = new Reader(bytes)
  const version = reader.byte()
  if (version !== SYNC_VERSION) throw bad(`unknown reconciliation version ${version}`)
  const ranges: SyncRange[] = []
  let previous: Bound = START
  while (!reader.atEnd()) {
    if (ranges.length === MAX_SYNC_RANGES) throw new FrpStateError('SYNC_MESSAGE_TOO_LARGE', `more than ${MAX_SYNC_RANGES} ranges`)
    if (previous === END) throw bad('a range follows the end of the order')
    const header = reader.byte()
    if ((header & ~KNOWN_BITS) !== 0) throw bad(`unknown range flags ${header.toString(2)}`)
    const upper = header & AT_END ? END : readBound(reader, header, previous.wall)
    if (compareBounds(previous, upper) >= 0) throw bad('range bounds do not strictly increase')
    ranges.push(readBody(reader, MODES[header & MODE_BITS]!, upper))
    previous = upper
  }
  return ranges
}

function readBound(reader: Reader, header: number, previousWall: number): Bound {
  const wall = previousWall + reader.varint()
  if (!Number.isSafeInteger(wall)) throw bad('bound wall time exceeds 2^53')
  const counter = header & HAS_COUNTER ? reader.varint() : 0
  if (counter > MAX_HLC_COUNTER) throw bad(`bound counter ${counter} exceeds ${MAX_HLC_COUNTER}`)
  let prefix: Uint8Array = new Uint8Array(0)
  if (header & HAS_PREFIX) {
    const length = reader.byte()
    if (length === 0 || length > KEY_BYTES) throw bad(`bound prefix of ${length} bytes`)
    prefix = reader.bytes(length).slice() // a copy: a session keeps bounds after the message's buffer is reused
    if (prefix[length - 1] === 0) throw bad('bound prefix ends in a zero byte')
  }
  return { wall, counter, prefix }
}

function readBody(reader: Reader, mode: SyncRange['mode'], upper: Bound): SyncRange {
  switch (mode) {
    case 'skip':
      return { mode, upper }
    case 'fingerprint':
      return { mode, upper, fingerprint: reader.bytes(FINGERPRINT_BYTES) }
    case 'list': {
      const count = reader.varint()
      if (count > MAX_LISTED_IDS) throw bad(`list of ${count} ids exceeds ${MAX_LISTED_IDS}`)
      const ids: Uint8Array[] = []
      for (let i = 0; i < count; i++) ids.push(reader.bytes(ID_PREFIX_BYTES))
      return { mode, upper, ids }
    }
    case 'need': {
      const length = reader.varint()
      if (length > MAX_BITMAP_BYTES) throw bad(`bitmap of ${length} bytes exceeds ${MAX_BITMAP_BYTES}`)
      return { mode, upper, bitmap: reader.bytes(length) }
    }
  }
}

/** Reads bytes and varints, refusing to run past the end. */
class Reader {
  #pos = 0

  constructor(readonly buffer: Uint8Array) {}

  atEnd(): boolean {
    return this.#pos === this.buffer.length
  }

  byte(): number {
    const value = this.buffer[this.#pos]
    if (value === undefined) throw bad('truncated reconciliation message')
    this.#pos++
    return value
  }

  bytes(length: number): Uint8Array {
    if (length > this.buffer.length - this.#pos) throw bad('truncated reconciliation message')
    return this.buffer.subarray(this.#pos, (this.#pos += length))
  }

  /** An unsigned LEB128 varint of at most 8 bytes (56 bits), exact as a number. */
  varint(): number {
    let value = 0
    let scale = 1
    for (let n = 0; n < 8; n++) {
      const byte = this.byte()
      value += (byte & 0x7f) * scale
      if (byte < 0x80) return value
      scale *= 128
    }
    throw bad('varint longer than 8 bytes')
  }
}

function bad(message: string): FrpStateError {
  return new FrpStateError('BAD_SYNC_MESSAGE', message)
}
