import { FrpStateError } from './errors.js'

/**
 * How the application's op payloads become bytes and back. `decode` gets
 * hostile bytes (already within the size limit): it must throw on anything
 * it does not accept, and should validate the shape, not just parse.
 */
export interface OpCodec<P> {
  encode(payload: P): Uint8Array
  decode(bytes: Uint8Array): P
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Payloads as UTF-8 JSON, checked by `validate` (a type guard) on the way in:
 * the quick start; a protobuf codec is smaller and faster.
 */
export function jsonCodec<P>(validate: (value: unknown) => value is P): OpCodec<P> {
  return {
    encode: (payload) => encoder.encode(JSON.stringify(payload)),
    decode: (bytes) => {
      let value: unknown
      try {
        value = JSON.parse(decoder.decode(bytes))
      } catch (error) {
        throw new FrpStateError('BAD_PAYLOAD', 'op payload is not UTF-8 JSON', { cause: error })
      }
      if (!validate(value)) throw new FrpStateError('BAD_PAYLOAD', 'op payload does not have the shape the application expects')
      return value
    }
  }
}
