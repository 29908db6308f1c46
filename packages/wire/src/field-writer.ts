import { allocBytes } from './alloc.js'

/** Bytes a protobuf varint of `n` (a safe non-negative integer) takes. */
export function varintSize(n: number): number {
  let size = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    size++
  }
  return size
}

/** Bytes a length-delimited field with a one-byte tag and `length` bytes of value takes. */
export const delimitedSize = (length: number): number => 1 + varintSize(length) + length

/** Writes protobuf fields (one-byte tags) into a buffer sized in advance: no growing, no copy at the end. */
export class FieldWriter {
  readonly bytes: Uint8Array
  pos = 0

  constructor(size: number) {
    this.bytes = allocBytes(size)
  }

  varint(n: number): void {
    while (n >= 0x80) {
      this.bytes[this.pos++] = (n % 128) | 0x80
      n = Math.floor(n / 128)
    }
    this.bytes[this.pos++] = n
  }

  delimited(tag: number, value: Uint8Array): void {
    this.bytes[this.pos++] = tag
    this.varint(value.length)
    this.bytes.set(value, this.pos)
    this.pos += value.length
  }
}
