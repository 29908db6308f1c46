import { WireError } from './errors.js'

const textEncoder = new TextEncoder()

/**
 * Builds the canonical byte string a signature covers: a domain tag, then
 * fields in a fixed order, big-endian integers, and a length before every
 * variable-length field, so distinct values never share an encoding and no
 * two kinds of signed object can be confused.
 */
export class CanonicalBytes {
  readonly #parts: Uint8Array[] = []
  #size = 0

  /** Starts with `domain` and a NUL, e.g. `DSCS/envelope/v1`. */
  constructor(domain: string) {
    this.#push(textEncoder.encode(`${domain}\0`))
  }

  /** Bytes whose length is fixed by the format (keys, hashes): no length prefix. */
  fixed(bytes: Uint8Array, length: number, what: string): this {
    if (bytes.length !== length) throw new WireError('MALFORMED', `${what} must be ${length} bytes`)
    return this.#push(bytes)
  }

  /** Variable-length bytes, prefixed with their u32 length. */
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).#push(bytes)
  }

  /** A UTF-8 string, prefixed with its u32 byte length. */
  string(value: string): this {
    return this.bytes(textEncoder.encode(value))
  }

  u32(value: number): this {
    const out = new Uint8Array(4)
    new DataView(out.buffer).setUint32(0, value)
    return this.#push(out)
  }

  /** A safe non-negative integer as u64. */
  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new WireError('MALFORMED', `${value} is not a safe non-negative integer`)
    const out = new Uint8Array(8)
    const view = new DataView(out.buffer)
    view.setUint32(0, Math.floor(value / 2 ** 32))
    view.setUint32(4, value >>> 0)
    return this.#push(out)
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#size)
    let pos = 0
    for (const part of this.#parts) {
      out.set(part, pos)
      pos += part.length
    }
    return out
  }

  #push(bytes: Uint8Array): this {
    this.#parts.push(bytes)
    this.#size += bytes.length
    return this
  }
}
