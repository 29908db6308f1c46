import { WireError } from './errors.js'

/** A decoded protobuf 64-bit integer (Long or number) as a safe integer; MALFORMED beyond 2^53. */
export function longToSafeInteger(value: number | { readonly low: number; readonly high: number }, what: string): number {
  const n = typeof value === 'number' ? value : (value.high >>> 0) * 2 ** 32 + (value.low >>> 0)
  if (!Number.isSafeInteger(n)) throw new WireError('MALFORMED', `${what} exceeds 2^53`)
  return n
}
