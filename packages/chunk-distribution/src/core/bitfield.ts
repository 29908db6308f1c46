import { ChunkError } from './errors.js'

/**
 * One bit per chunk: bit i is chunk i, most significant bit of each byte
 * first (BitTorrent's order), ceil(length / 8) bytes, spare bits zero.
 */
export class Bitfield {
  /** How many bits: the content's chunk count. */
  readonly length: number
  /** The bits as sent and stored; change them through `set` and `clear` only. */
  readonly bytes: Uint8Array
  #count = 0

  constructor(length: number) {
    this.length = length
    this.bytes = new Uint8Array(Math.ceil(length / 8))
  }

  /** A bitfield of `length` bits from its bytes, refused (`BAD_BITFIELD`) when they have the wrong length or spare bits set. */
  static fromBytes(length: number, bytes: Uint8Array): Bitfield {
    const bitfield = new Bitfield(length)
    if (bytes.length !== bitfield.bytes.length) {
      throw new ChunkError('BAD_BITFIELD', `${bytes.length} bytes of bits for ${length} chunks; ${bitfield.bytes.length} are required`)
    }
    const spare = bitfield.bytes.length * 8 - length
    if (spare > 0 && (bytes[bytes.length - 1]! & ((1 << spare) - 1)) !== 0) throw new ChunkError('BAD_BITFIELD', 'spare bits past the last chunk are set')
    bitfield.bytes.set(bytes)
    for (const byte of bytes) bitfield.#count += popcount(byte)
    return bitfield
  }

  /** How many bits are set. */
  get count(): number {
    return this.#count
  }

  /** True when every bit is set. */
  get complete(): boolean {
    return this.#count === this.length
  }

  has(index: number): boolean {
    return (this.bytes[index >>> 3]! & mask(index)) !== 0
  }

  /** Sets bit `index`; true when it was clear. */
  set(index: number): boolean {
    if (this.has(index)) return false
    this.bytes[index >>> 3]! |= mask(index)
    this.#count++
    return true
  }

  /** Clears bit `index`; true when it was set. */
  clear(index: number): boolean {
    if (!this.has(index)) return false
    this.bytes[index >>> 3]! &= ~mask(index)
    this.#count--
    return true
  }

  /** An independent copy. */
  copy(): Bitfield {
    return Bitfield.fromBytes(this.length, this.bytes)
  }
}

function mask(index: number): number {
  return 0x80 >>> (index & 7)
}

function popcount(byte: number): number {
  let bits = 0
  for (let rest = byte; rest !== 0; rest &= rest - 1) bits++
  return bits
}
