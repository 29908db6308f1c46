import { WireError } from './errors.js'
import { decodeBounded } from './bounded.js'
import { DEFAULT_LIMITS } from './limits.js'
import type { Envelope } from './envelope.js'

/** Encodes and decodes one payload type; protobufjs generated classes fit via {@link protobufCodec}. */
export interface PayloadCodec<T> {
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

/** A registered payload type: its kind name, codec and limits. */
export interface PayloadKind<T> {
  readonly name: string
  readonly codec: PayloadCodec<T>
  /** Largest encoded payload accepted, in bytes. */
  readonly maxBytes: number
  /**
   * For protobuf payloads, the most occurrences of any one field (bounds
   * repeated fields), checked by a scan before decoding; `undefined` for
   * payloads in another encoding, which the codec alone must bound.
   */
  readonly maxRepeated: number | undefined
  /** Semantic checks after decoding; throw a DscsError to refuse. */
  readonly validate?: (value: T) => void
}

export interface PayloadKindOptions<T> {
  /** Default: the envelope limit, 1 MiB. */
  readonly maxBytes?: number
  /** Default 64. */
  readonly maxRepeated?: number
  /** `protobuf` (default) payloads are scanned before decoding; `raw` ones are not. */
  readonly encoding?: 'protobuf' | 'raw'
  readonly validate?: (value: T) => void
}

/** The static face of a protobufjs generated message class. */
export interface GeneratedMessage<T> {
  encode(message: T): { finish(): Uint8Array }
  decode(bytes: Uint8Array): T
}

/** Adapts a protobufjs generated message class to a {@link PayloadCodec}. */
export function protobufCodec<T>(type: GeneratedMessage<T>): PayloadCodec<T> {
  return {
    encode: (value) => type.encode(value).finish(),
    decode: (bytes) => type.decode(bytes)
  }
}

/** Declares a payload kind; register it with a {@link PayloadRegistry} to decode it from envelopes. */
export function definePayloadKind<T>(name: string, codec: PayloadCodec<T>, options: PayloadKindOptions<T> = {}): PayloadKind<T> {
  return {
    name,
    codec,
    maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxEnvelopeBytes,
    maxRepeated: options.encoding === 'raw' ? undefined : (options.maxRepeated ?? DEFAULT_LIMITS.maxRepeated),
    ...(options.validate === undefined ? {} : { validate: options.validate })
  }
}

/** A decoded payload with the kind it was decoded as. */
export interface DecodedPayload {
  readonly kind: string
  readonly value: unknown
}

/**
 * The payload kinds a node understands. Packages register their kinds; an
 * envelope of a registered kind decodes to a typed value under that kind's
 * limits, and an unregistered kind is refused with `UNKNOWN_KIND`.
 */
export class PayloadRegistry {
  readonly #kinds = new Map<string, PayloadKind<unknown>>()

  /** Registers `kind`; registering the same definition twice is a no-op. */
  register<T>(kind: PayloadKind<T>): PayloadKind<T> {
    const existing = this.#kinds.get(kind.name)
    if (existing !== undefined && existing !== (kind as PayloadKind<unknown>)) {
      throw new WireError('DUPLICATE_KIND', `payload kind ${kind.name} is already registered`)
    }
    this.#kinds.set(kind.name, kind as PayloadKind<unknown>)
    return kind
  }

  has(name: string): boolean {
    return this.#kinds.has(name)
  }

  /** Decodes the payload of any registered kind. */
  decode(env: Envelope): DecodedPayload {
    const kind = this.#kinds.get(env.kind)
    if (kind === undefined) throw new WireError('UNKNOWN_KIND', `no payload kind ${JSON.stringify(env.kind)} is registered`)
    return { kind: kind.name, value: decodePayload(env, kind) }
  }
}

/** Decodes the payload of `env` as `kind`, refusing an envelope of another kind. */
export function decodePayload<T>(env: Envelope, kind: PayloadKind<T>): T {
  if (env.kind !== kind.name) {
    throw new WireError('KIND_MISMATCH', `expected a ${kind.name} envelope, got ${env.kind}`)
  }
  const rules = kind.maxRepeated === undefined ? undefined : { maxOccurrences: kind.maxRepeated }
  return decodeBounded(env.payload, `${kind.name} payload`, kind.maxBytes, rules, (bytes) => {
    const value = kind.codec.decode(bytes)
    kind.validate?.(value)
    return value
  })
}

/** Encodes a payload of `kind`, refusing one larger than the kind accepts. */
export function encodePayload<T>(kind: PayloadKind<T>, value: T): Uint8Array {
  const bytes = kind.codec.encode(value)
  if (bytes.length > kind.maxBytes) {
    throw new WireError('TOO_LARGE', `${kind.name} payload of ${bytes.length} bytes exceeds the limit of ${kind.maxBytes}`)
  }
  return bytes
}
