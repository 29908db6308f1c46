import { WireError } from './errors.js'

/**
 * A plain Uint8Array view of the same memory. protobufjs reads and writes
 * Node Buffers when it can; DSCS hands out plain Uint8Arrays everywhere.
 */
export function asPlainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** A decoded protobuf 64-bit integer (Long or number) as a safe integer; MALFORMED beyond 2^53. */
export function longToSafeInteger(value: number | { readonly low: number; readonly high: number }, what: string): number {
  const n = typeof value === 'number' ? value : (value.high >>> 0) * 2 ** 32 + (value.low >>> 0)
  if (!Number.isSafeInteger(n)) throw new WireError('MALFORMED', `${what} exceeds 2^53`)
  return n
}
