import type { RangeOptions } from '@dscs/interface'
import { FrpStateError } from '../core/errors.js'
import { checkDomain } from '../core/constants.js'
import { checkDocName } from './constants.js'

/** The format of a stored update record: this byte, the CRC-32 of the update (big-endian), the update. */
const RECORD_VERSION = 1
const RECORD_HEADER_BYTES = 5
const SEQ_BYTES = 8

/**
 * The store keys of one document's update records: a prefix naming the
 * domain and document, then the record's sequence number as 8 big-endian
 * bytes, so the store's key order is the order the records were written in.
 */
export class RecordKeys {
  readonly #prefix: Uint8Array
  /** The range of every record of the document, and nothing else. */
  readonly range: RangeOptions

  constructor(domain: string, doc: string) {
    // Names never contain '/' (checkDomain, checkDocName), so one document's prefix is never a prefix of another's.
    this.#prefix = new TextEncoder().encode(`frp-state/yjs/${checkDomain(domain)}/${checkDocName(doc)}/`)
    const end = this.#prefix.slice()
    end[end.length - 1]! += 1
    this.range = { gt: this.#prefix, lt: end }
  }

  /** The key of record `seq`, a safe integer ≥ 0. */
  key(seq: number): Uint8Array {
    const key = new Uint8Array(this.#prefix.length + SEQ_BYTES)
    key.set(this.#prefix)
    const view = new DataView(key.buffer, this.#prefix.length)
    view.setUint32(0, Math.floor(seq / 2 ** 32))
    view.setUint32(4, seq >>> 0)
    return key
  }

  /** The sequence number in a key read from {@link range}; CORRUPT_STORE if the key has no valid one. */
  seqOf(key: Uint8Array): number {
    if (key.length !== this.#prefix.length + SEQ_BYTES) {
      throw new FrpStateError('CORRUPT_STORE', `a key of ${key.length} bytes among the update records, which take ${this.#prefix.length + SEQ_BYTES}`)
    }
    const view = new DataView(key.buffer, key.byteOffset + this.#prefix.length, SEQ_BYTES)
    const seq = view.getUint32(0) * 2 ** 32 + view.getUint32(4)
    if (!Number.isSafeInteger(seq)) throw new FrpStateError('CORRUPT_STORE', `record sequence number ${seq} exceeds 2^53`)
    return seq
  }
}

/** The stored form of an update: a version byte and a checksum, so damage on disk is detected rather than loaded. */
export function encodeRecord(update: Uint8Array): Uint8Array {
  const record = new Uint8Array(RECORD_HEADER_BYTES + update.length)
  record[0] = RECORD_VERSION
  new DataView(record.buffer).setUint32(1, crc32(update))
  record.set(update, RECORD_HEADER_BYTES)
  return record
}

/** The update in a stored record; CORRUPT_STORE if the record is truncated, of an unknown version or fails its checksum. */
export function decodeRecord(record: Uint8Array, seq: number): Uint8Array {
  if (record.length < RECORD_HEADER_BYTES || record[0] !== RECORD_VERSION) {
    throw new FrpStateError('CORRUPT_STORE', `record ${seq} is not an update record of version ${RECORD_VERSION}`)
  }
  const update = record.subarray(RECORD_HEADER_BYTES)
  const expected = new DataView(record.buffer, record.byteOffset + 1, 4).getUint32(0)
  if (crc32(update) !== expected) throw new FrpStateError('CORRUPT_STORE', `record ${seq} fails its checksum`)
  return update
}

// CRC-32 (IEEE 802.3), table-driven: cheap next to the store write, and it catches every burst error up to 32 bits.
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
