import { WireError } from './errors.js'

/** What {@link scanMessage} enforces on a message's top-level fields. */
export interface ScanRules {
  /** Most occurrences allowed for any one field number. */
  readonly maxOccurrences: number
}

const WIRE_VARINT = 0
const WIRE_FIXED64 = 1
const WIRE_LENGTH_DELIMITED = 2
const WIRE_FIXED32 = 5

/**
 * A cheap pass over a protobuf message's top-level fields before the real
 * decode: it checks that every tag and length is well formed, refuses groups
 * (DSCS never uses them, and they nest without bound) and caps how often any
 * field occurs, so the decoder never builds huge arrays from a small input.
 * Costs one read of each tag and length; field contents are skipped.
 */
export function scanMessage(bytes: Uint8Array, rules: ScanRules): void {
  const counts = new Map<number, number>()
  let pos = 0
  const readVarint = (): number => {
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= bytes.length) throw new WireError('MALFORMED', 'truncated varint')
      const byte = bytes[pos++]!
      result += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return result
    }
    throw new WireError('MALFORMED', 'varint longer than 5 bytes where a 32-bit value was expected')
  }
  const skip = (n: number): void => {
    if (n > bytes.length - pos) throw new WireError('MALFORMED', 'field runs past the end of the message')
    pos += n
  }

  while (pos < bytes.length) {
    const tag = readVarint()
    const field = Math.floor(tag / 8)
    if (field === 0) throw new WireError('MALFORMED', 'field number 0')
    const seen = (counts.get(field) ?? 0) + 1
    if (seen > rules.maxOccurrences) {
      throw new WireError('TOO_LARGE', `field ${field} occurs more than ${rules.maxOccurrences} times`)
    }
    counts.set(field, seen)
    switch (tag & 7) {
      case WIRE_VARINT: {
        // 64-bit varints are up to 10 bytes; read them byte by byte.
        let n = 0
        while (true) {
          if (pos >= bytes.length) throw new WireError('MALFORMED', 'truncated varint')
          if (++n > 10) throw new WireError('MALFORMED', 'varint longer than 10 bytes')
          if (bytes[pos++]! < 0x80) break
        }
        break
      }
      case WIRE_FIXED64:
        skip(8)
        break
      case WIRE_LENGTH_DELIMITED:
        skip(readVarint())
        break
      case WIRE_FIXED32:
        skip(4)
        break
      default:
        throw new WireError('MALFORMED', `wire type ${tag & 7} is not allowed`)
    }
  }
}
