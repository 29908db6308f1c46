import { byteLength, joinBytes } from '@dscs/interface'
import { WireError } from './errors.js'
import { DEFAULT_LIMITS } from './limits.js'

/** Chunks as libp2p streams yield them: bytes, or a list of byte chunks (a Uint8ArrayList iterates its pieces). */
export type StreamChunk = Uint8Array | Iterable<Uint8Array>

export interface FramingOptions {
  /** Largest frame accepted or produced, in bytes. Default: the envelope limit, 1 MiB. */
  readonly maxFrameBytes?: number
}

// An unsigned LEB128 varint of at most 5 bytes holds any length below 2^35.
const MAX_VARINT_BYTES = 5

/** Prefixes `bytes` with its length as an unsigned varint. */
export function encodeFrame(bytes: Uint8Array, options: FramingOptions = {}): Uint8Array {
  return encodeFrameParts([bytes], options)[0]!
}

/**
 * Frames a message given in pieces, for a gather write: the length prefix is
 * joined to the first piece (a small header, typically), the others are
 * returned as they are, uncopied.
 */
export function encodeFrameParts(parts: readonly Uint8Array[], options: FramingOptions = {}): Uint8Array[] {
  const length = byteLength(parts)
  const max = options.maxFrameBytes ?? DEFAULT_LIMITS.maxEnvelopeBytes
  if (length > max) throw new WireError('TOO_LARGE', `frame of ${length} bytes exceeds the limit of ${max}`)
  return [joinBytes([encodeVarint(length), parts[0] ?? new Uint8Array(0)]), ...parts.slice(1)]
}

/** `value` (a whole number below 2^53) as an unsigned LEB128 varint, the length prefix of frames and protobuf fields. */
export function encodeVarint(value: number): Uint8Array {
  let length = 1
  for (let n = value; n >= 0x80; n = Math.floor(n / 128)) length++
  const out = new Uint8Array(length)
  let n = value
  for (let i = 0; i < length - 1; i++) {
    out[i] = (n & 0x7f) | 0x80
    n = Math.floor(n / 128)
  }
  out[length - 1] = n
  return out
}

/**
 * Splits a byte stream into length-prefixed frames, sans-I/O: push chunks in
 * as they arrive, take whole frames out. A length above the limit is refused
 * as soon as its header is read, before any of the body is buffered.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number
  #headerValue = 0
  #headerBytes = 0
  #bodyLength: number | undefined
  #bodyParts: Uint8Array[] = []
  #bodyReceived = 0

  constructor(options: FramingOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_LIMITS.maxEnvelopeBytes
  }

  /** Feeds one chunk; returns the frames it completed, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = []
    let pos = 0
    while (pos < chunk.length) {
      if (this.#bodyLength === undefined) {
        const byte = chunk[pos++]!
        this.#readHeaderByte(byte)
        if (this.#bodyLength === 0) {
          frames.push(new Uint8Array(0))
          this.#bodyLength = undefined
        }
        continue
      }
      const take = Math.min(this.#bodyLength - this.#bodyReceived, chunk.length - pos)
      this.#bodyParts.push(chunk.subarray(pos, pos + take))
      this.#bodyReceived += take
      pos += take
      if (this.#bodyReceived === this.#bodyLength) frames.push(this.#takeBody())
    }
    return frames
  }

  /** True when no frame is half-read: the stream may end here. */
  get idle(): boolean {
    return this.#bodyLength === undefined && this.#headerBytes === 0
  }

  /** Declares the end of the stream; throws if it ended inside a frame. */
  finish(): void {
    if (!this.idle) throw new WireError('MALFORMED', 'stream ended inside a frame')
  }

  #readHeaderByte(byte: number): void {
    this.#headerValue += (byte & 0x7f) * 2 ** (7 * this.#headerBytes)
    this.#headerBytes++
    if (this.#headerValue > this.#maxFrameBytes) {
      throw new WireError('TOO_LARGE', `frame length ${this.#headerValue} exceeds the limit of ${this.#maxFrameBytes}`)
    }
    if (byte & 0x80) {
      if (this.#headerBytes === MAX_VARINT_BYTES) throw new WireError('MALFORMED', 'frame length varint too long')
      return
    }
    if (byte === 0 && this.#headerBytes > 1) throw new WireError('MALFORMED', 'frame length is not minimally encoded')
    this.#bodyLength = this.#headerValue
    this.#headerValue = 0
    this.#headerBytes = 0
  }

  #takeBody(): Uint8Array {
    const parts = this.#bodyParts
    const body = joinBytes(parts)
    this.#bodyParts = []
    this.#bodyReceived = 0
    this.#bodyLength = undefined
    return body
  }
}

/** Frames every message of `source` for a stream. */
export async function* encodeFrames(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: FramingOptions = {}
): AsyncGenerator<Uint8Array> {
  for await (const message of source) yield encodeFrame(message, options)
}

/** Reads length-prefixed messages from a stream; throws WireError on a bad frame or a cut-off stream. */
export async function* decodeFrames(
  source: AsyncIterable<StreamChunk> | Iterable<StreamChunk>,
  options: FramingOptions = {}
): AsyncGenerator<Uint8Array> {
  const decoder = new FrameDecoder(options)
  for await (const chunk of source) {
    if (chunk instanceof Uint8Array) yield* decoder.push(chunk)
    // Piece by piece: joining a list first would copy every byte once more than the frames need.
    else for (const piece of chunk) yield* decoder.push(piece)
  }
  decoder.finish()
}
