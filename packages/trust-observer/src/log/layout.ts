// How a log lies in a Store. Every key starts with the log's prefix, then a tag; indices are big-endian u64, so a
// range scan returns records in log order.
//   prefix 'c' index       → a chunk of entries from `index`: each a u32 length then its bytes. A chunk never crosses
//                            a multiple of 256 entries and closes past CHUNK_BYTES, so reading one entry reads little
//   prefix 't' level index → a tile (see tiles.ts): the hashes of the perfect subtrees of levels 8·level … 8·level + 7
//                            under 256 nodes of level 8·level, the leaf hashes in the tiles of level 0
//   prefix 's'             → version 2 ‖ size: the committed size
// Version 1 (a record an entry and one an inner node) is not read: no log of it was ever deployed.
import { LogError } from './errors.js'
import { TILE_WIDTH } from './tiles.js'

const CHUNK = 0x63
const TILE = 0x74
const STATE = 0x73
const INDEX_BYTES = 8
const LENGTH_BYTES = 4
const STATE_VERSION = 2
const STATE_BYTES = 1 + INDEX_BYTES

/** A chunk closes once it holds this many bytes of entries (or at a multiple of 256 entries). */
export const CHUNK_BYTES = 65_536

/** The keys of one log in a Store. */
export class LogKeys {
  readonly #prefix: Uint8Array

  constructor(prefix: Uint8Array) {
    this.#prefix = prefix
  }

  /** The record of the committed size. */
  get state(): Uint8Array {
    return this.#key(STATE, 0)
  }

  /** The key of the chunk of entries starting at `index`. */
  chunk(index: number): Uint8Array {
    const key = this.#key(CHUNK, INDEX_BYTES)
    writeIndex(key, key.length - INDEX_BYTES, index)
    return key
  }

  /** The key of tile `index` of tile level `level`. */
  tile(level: number, index: number): Uint8Array {
    const key = this.#key(TILE, 1 + INDEX_BYTES)
    key[this.#prefix.length + 1] = level
    writeIndex(key, key.length - INDEX_BYTES, index)
    return key
  }

  /** Bounds of a scan over every chunk key (`lt` is the first key after them). */
  get chunks(): { gte: Uint8Array; lt: Uint8Array } {
    return { gte: this.#key(CHUNK, 0), lt: this.#key(CHUNK + 1, 0) }
  }

  /** The first index in a chunk key returned by a scan; CORRUPT_STORE if it is not one. */
  indexOf(key: Uint8Array): number {
    const length = this.#prefix.length + 1 + INDEX_BYTES
    const index = key.length === length ? readIndex(key, length - INDEX_BYTES) : Number.NaN
    if (!Number.isSafeInteger(index)) throw new LogError('CORRUPT_STORE', `a chunk key of ${key.length} bytes holds no index below 2^53`)
    return index
  }

  #key(tag: number, extra: number): Uint8Array {
    const key = new Uint8Array(this.#prefix.length + 1 + extra)
    key.set(this.#prefix)
    key[this.#prefix.length] = tag
    return key
  }
}

/** The entries of an append, each a u32 length then its bytes, in one buffer: chunk records are runs of it. */
export interface PackedEntries {
  readonly bytes: Uint8Array
  /** Where each entry's length-prefixed bytes end in `bytes`. */
  readonly ends: readonly number[]
}

/** A chunk of an append: its first index and its record. */
export interface Chunk {
  readonly start: number
  readonly record: Uint8Array
}

/** Copies `entries` into one buffer, each after its u32 length: one copy for a whole append, not one an entry. */
export function packEntries(entries: readonly Uint8Array[]): PackedEntries {
  let total = 0
  for (const entry of entries) total += LENGTH_BYTES + entry.length
  const bytes = new Uint8Array(total)
  const ends: number[] = []
  let at = 0
  for (const entry of entries) {
    const length = entry.length
    bytes[at] = length >>> 24
    bytes[at + 1] = length >>> 16
    bytes[at + 2] = length >>> 8
    bytes[at + 3] = length
    bytes.set(entry, at + LENGTH_BYTES)
    at += LENGTH_BYTES + length
    ends.push(at)
  }
  return { bytes, ends }
}

/**
 * The chunk records of packed entries appended from index `start`: runs of
 * `packed.bytes`, each closed at a multiple of 256 entries or past
 * {@link CHUNK_BYTES}.
 */
export function chunksOf(start: number, { bytes, ends }: PackedEntries): Chunk[] {
  const chunks: Chunk[] = []
  let first = 0
  let from = 0
  for (let i = 0; i < ends.length; i++) {
    const to = ends[i]!
    if (i < ends.length - 1 && (start + i + 1) % TILE_WIDTH !== 0 && to - from < CHUNK_BYTES) continue
    chunks.push({ start: start + first, record: bytes.subarray(from, to) })
    first = i + 1
    from = to
  }
  return chunks
}

/**
 * The entries of the chunk record starting at `start` (views into it);
 * CORRUPT_STORE unless it is a whole number of length-prefixed entries, at
 * least one, none beyond the next multiple of 256.
 */
export function decodeChunk(record: Uint8Array, start: number): Uint8Array[] {
  const room = TILE_WIDTH - (start % TILE_WIDTH)
  const entries: Uint8Array[] = []
  let at = 0
  while (at < record.length) {
    if (entries.length === room) throw new LogError('CORRUPT_STORE', `the chunk at entry ${start} holds more than the ${room} entries it has room for`)
    if (record.length - at < LENGTH_BYTES) throw new LogError('CORRUPT_STORE', `the chunk at entry ${start} ends inside a length`)
    const length = ((record[at]! << 24) | (record[at + 1]! << 16) | (record[at + 2]! << 8) | record[at + 3]!) >>> 0
    at += LENGTH_BYTES
    if (length > record.length - at) throw new LogError('CORRUPT_STORE', `an entry of the chunk at ${start} claims ${length} bytes, ${record.length - at} are left`)
    entries.push(record.subarray(at, at + length))
    at += length
  }
  if (entries.length === 0) throw new LogError('CORRUPT_STORE', `the chunk at entry ${start} is empty`)
  return entries
}

/** The state record of a log of `size` entries. */
export function encodeState(size: number): Uint8Array {
  const record = new Uint8Array(STATE_BYTES)
  record[0] = STATE_VERSION
  writeIndex(record, 1, size)
  return record
}

/** The size in a state record; CORRUPT_STORE if it is not one. */
export function decodeState(record: Uint8Array): number {
  const size = record.length === STATE_BYTES && record[0] === STATE_VERSION ? readIndex(record, 1) : Number.NaN
  if (!Number.isSafeInteger(size)) throw new LogError('CORRUPT_STORE', `the state record (${record.length} bytes) is not a size record of version ${STATE_VERSION}`)
  return size
}

/** Writes `index` at `at` as a big-endian u64, byte by byte: a DataView a key would be garbage. */
export function writeIndex(bytes: Uint8Array, at: number, index: number): void {
  const high = Math.floor(index / 2 ** 32)
  const low = index >>> 0
  for (let i = 0; i < 4; i++) {
    bytes[at + 3 - i] = high >>> (8 * i)
    bytes[at + 7 - i] = low >>> (8 * i)
  }
}

function readIndex(bytes: Uint8Array, at: number): number {
  let high = 0
  let low = 0
  for (let i = 0; i < 4; i++) {
    high = high * 256 + bytes[at + i]!
    low = low * 256 + bytes[at + 4 + i]!
  }
  return high * 2 ** 32 + low
}
