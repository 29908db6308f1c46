import { LogError } from './errors.js'
import type { Subtree } from './geometry.js'

// Record tags after the log's prefix. Indices are big-endian u64, so a range scan returns records in log order.
const ENTRY = 0x65 // 'e': entry by index
const HASH = 0x68 // 'h': perfect-subtree hash by (level u8, index u64)
const STATE = 0x73 // 's': the committed size
const INDEX_BYTES = 8
const STATE_VERSION = 1
const STATE_BYTES = 1 + INDEX_BYTES

/** Where a log keeps its records in a Store: every key starts with `prefix`, so one store can hold several logs. */
export class LogKeys {
  readonly #prefix: Uint8Array

  constructor(prefix: Uint8Array) {
    this.#prefix = prefix
  }

  /** The record of the committed size. */
  get state(): Uint8Array {
    return this.#key(STATE, 0)
  }

  /** The key of entry `index`. */
  entry(index: number): Uint8Array {
    const key = this.#key(ENTRY, INDEX_BYTES)
    writeIndex(key, key.length - INDEX_BYTES, index)
    return key
  }

  /** The key of the hash of `subtree`. */
  hash(subtree: Subtree): Uint8Array {
    const key = this.#key(HASH, 1 + INDEX_BYTES)
    key[this.#prefix.length + 1] = subtree.level
    writeIndex(key, key.length - INDEX_BYTES, subtree.index)
    return key
  }

  /** Bounds of a scan over every entry key (`lt` is the first key after them). */
  get entries(): { gte: Uint8Array; lt: Uint8Array } {
    return { gte: this.#key(ENTRY, 0), lt: this.#key(ENTRY + 1, 0) }
  }

  /** Bounds of a scan over every leaf hash key. */
  get leafHashes(): { gte: Uint8Array; lt: Uint8Array } {
    return { gte: this.hash({ level: 0, index: 0 }), lt: this.hash({ level: 1, index: 0 }) }
  }

  /** The index in a key returned by a scan of entries or of leaf hashes; CORRUPT_STORE if it is not one. */
  indexOf(key: Uint8Array, kind: 'entry' | 'leaf hash'): number {
    const length = this.#prefix.length + (kind === 'entry' ? 1 : 2) + INDEX_BYTES
    const index = key.length === length ? readIndex(key, length - INDEX_BYTES) : Number.NaN
    if (!Number.isSafeInteger(index)) throw new LogError('CORRUPT_STORE', `a ${kind} key of ${key.length} bytes holds no index below 2^53`)
    return index
  }

  #key(tag: number, extra: number): Uint8Array {
    const key = new Uint8Array(this.#prefix.length + 1 + extra)
    key.set(this.#prefix)
    key[this.#prefix.length] = tag
    return key
  }
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

function writeIndex(bytes: Uint8Array, at: number, index: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  view.setUint32(at, Math.floor(index / 2 ** 32))
  view.setUint32(at + 4, index >>> 0)
}

function readIndex(bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4)
}
