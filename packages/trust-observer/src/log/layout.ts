// How a log lies in a Store. Every key starts with the log's prefix, then a tag; indices are big-endian u64, so a
// range scan returns records in log order.
//   prefix 'e' index      → leaf hash (32) ‖ entry: a leaf's hash lives with its entry, one record a leaf
//   prefix 'h' level index → the hash of the perfect subtree (level ≥ 1, index), written as the leaf completing it is
//   prefix 's'            → version 1 ‖ size: the committed size
import { LogError } from './errors.js'
import type { Subtree } from './geometry.js'
import { HASH_BYTES } from './hash.js'

const ENTRY = 0x65
const HASH = 0x68
const STATE = 0x73
const INDEX_BYTES = 8
const STATE_VERSION = 1
const STATE_BYTES = 1 + INDEX_BYTES

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

  /** The key of entry `index`, which holds the leaf hash too. */
  entry(index: number): Uint8Array {
    const key = this.#key(ENTRY, INDEX_BYTES)
    writeIndex(key, key.length - INDEX_BYTES, index)
    return key
  }

  /** The key of the hash of `subtree`: the entry's for a leaf, else its own. */
  hash(subtree: Subtree): Uint8Array {
    if (subtree.level === 0) return this.entry(subtree.index)
    const key = this.#key(HASH, 1 + INDEX_BYTES)
    key[this.#prefix.length + 1] = subtree.level
    writeIndex(key, key.length - INDEX_BYTES, subtree.index)
    return key
  }

  /** Bounds of a scan over every entry key (`lt` is the first key after them). */
  get entries(): { gte: Uint8Array; lt: Uint8Array } {
    return { gte: this.#key(ENTRY, 0), lt: this.#key(ENTRY + 1, 0) }
  }

  /** The index in an entry key returned by a scan; CORRUPT_STORE if it is not one. */
  indexOf(key: Uint8Array): number {
    const length = this.#prefix.length + 1 + INDEX_BYTES
    const index = key.length === length ? readIndex(key, length - INDEX_BYTES) : Number.NaN
    if (!Number.isSafeInteger(index)) throw new LogError('CORRUPT_STORE', `an entry key of ${key.length} bytes holds no index below 2^53`)
    return index
  }

  #key(tag: number, extra: number): Uint8Array {
    const key = new Uint8Array(this.#prefix.length + 1 + extra)
    key.set(this.#prefix)
    key[this.#prefix.length] = tag
    return key
  }
}

/**
 * The records of `entries`, each its leaf hash (`leaves[i]`) then the entry,
 * laid out in one buffer: one allocation for a whole append rather than one
 * off-heap array an entry (stores copy what they keep).
 */
export function encodeEntries(entries: readonly Uint8Array[], leaves: readonly Uint8Array[]): Uint8Array[] {
  let bytes = 0
  for (const entry of entries) bytes += HASH_BYTES + entry.length
  const buffer = new Uint8Array(bytes)
  let at = 0
  return entries.map((entry, i) => {
    const record = buffer.subarray(at, at + HASH_BYTES + entry.length)
    record.set(leaves[i]!)
    record.set(entry, HASH_BYTES)
    at += record.length
    return record
  })
}

/** An entry record, decoded. */
export interface EntryRecord {
  readonly leaf: Uint8Array
  readonly entry: Uint8Array
}

/** The leaf hash and the entry in an entry record; CORRUPT_STORE if it is too short to hold a hash. */
export function decodeEntry(record: Uint8Array, index: number): EntryRecord {
  if (record.length < HASH_BYTES) throw new LogError('CORRUPT_STORE', `the record of entry ${index} is ${record.length} bytes, too short for its leaf hash`)
  return { leaf: record.subarray(0, HASH_BYTES), entry: record.subarray(HASH_BYTES) }
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

// Byte by byte rather than through a DataView: appends build two keys an entry, and a DataView each is garbage.
function writeIndex(bytes: Uint8Array, at: number, index: number): void {
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
