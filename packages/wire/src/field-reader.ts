import { WireError } from './errors.js'

export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LENGTH_DELIMITED = 2
export const WIRE_FIXED32 = 5

/** Reads protobuf fields from one buffer; `pos` advances as it reads. */
export class FieldReader {
  pos = 0

  constructor(readonly bytes: Uint8Array) {}

  /** A varint of at most 32 bits (tags, lengths, uint32). */
  uint32(): number {
    // Most tags and lengths fit one byte.
    const byte = this.bytes[this.pos]
    if (byte !== undefined && byte < 0x80) {
      this.pos++
      return byte
    }
    const value = this.#varint(5, 'varint exceeds 32 bits')
    if (value > 0xffffffff) throw new WireError('MALFORMED', 'varint exceeds 32 bits')
    return value
  }

  /** A uint64 varint that must fit a safe integer. */
  safeInteger(what: string): number {
    const value = this.#varint(10, 'varint longer than 10 bytes')
    if (!Number.isSafeInteger(value)) throw new WireError('MALFORMED', `${what} exceeds 2^53`)
    return value
  }

  /** A varint of at most `maxBytes` bytes, as a number (exact below 2^53). */
  #varint(maxBytes: number, tooLong: string): number {
    const bytes = this.bytes
    let result = 0
    let scale = 1
    for (let n = 0; n < maxBytes; n++) {
      const byte = bytes[this.pos++]
      if (byte === undefined) throw new WireError('MALFORMED', 'truncated varint')
      result += (byte & 0x7f) * scale
      if (byte < 0x80) return result
      scale *= 128
    }
    throw new WireError('MALFORMED', tooLong)
  }

  /** A length-delimited field's bytes, as a view into the buffer. */
  lengthDelimited(): Uint8Array {
    const length = this.uint32()
    if (length > this.bytes.length - this.pos) throw new WireError('MALFORMED', 'field runs past the end of the message')
    const start = this.pos
    this.pos += length
    return this.bytes.subarray(start, this.pos)
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.#varint(10, 'varint longer than 10 bytes')
        return
      case WIRE_FIXED64:
        return this.#advance(8)
      case WIRE_LENGTH_DELIMITED:
        this.lengthDelimited()
        return
      case WIRE_FIXED32:
        return this.#advance(4)
      default:
        throw new WireError('MALFORMED', `wire type ${wireType} is not allowed`)
    }
  }

  #advance(n: number): void {
    if (n > this.bytes.length - this.pos) throw new WireError('MALFORMED', 'field runs past the end of the message')
    this.pos += n
  }
}
