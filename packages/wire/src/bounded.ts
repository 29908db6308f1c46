import { asPlainBytes, isDscsError } from '@dscs/interface'
import { WireError } from './errors.js'
import { scanMessage, type ScanRules } from './scan.js'

/**
 * Decodes hostile bytes with any protobuf decoder under DSCS rules: the size
 * limit first, then (for protobuf) the cheap structural scan, then the decoder. Any
 * failure surfaces as a WireError; nothing else escapes.
 */
export function decodeBounded<T>(
  bytes: Uint8Array,
  what: string,
  maxBytes: number,
  rules: ScanRules | undefined,
  decode: (bytes: Uint8Array) => T
): T {
  if (!(bytes instanceof Uint8Array)) throw new WireError('MALFORMED', `${what} is not a byte array`)
  if (bytes.length > maxBytes) {
    throw new WireError('TOO_LARGE', `${what} of ${bytes.length} bytes exceeds the limit of ${maxBytes}`)
  }
  if (rules !== undefined) scanMessage(bytes, rules)
  try {
    // A plain view makes protobufjs hand out plain Uint8Array fields, not Node Buffers.
    return decode(asPlainBytes(bytes))
  } catch (err) {
    if (isDscsError(err)) throw err
    throw new WireError('MALFORMED', `${what} does not decode: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}
