import { WireError } from './errors.js'
import { FieldReader, WIRE_LENGTH_DELIMITED } from './field-reader.js'

/** What {@link scanMessage} enforces on a message's top-level fields. */
export interface ScanRules {
  /** Most occurrences allowed for any one field number. */
  readonly maxOccurrences: number
  /**
   * Rules for the messages inside length-delimited fields, by field number:
   * each occurrence is scanned with them too, so a repeated field nested a
   * level or two down is bounded before any decoder sees it.
   */
  readonly nested?: Readonly<Record<number, ScanRules>>
}

// Counts for field numbers below this live in an array; rarer, larger ones in a map.
const SMALL_FIELDS = 32

/**
 * A cheap pass over a protobuf message's top-level fields before the real
 * decode: it checks that every tag and length is well formed, refuses groups
 * (DSCS never uses them, and they nest without bound) and caps how often any
 * field occurs, so the decoder never builds huge arrays from a small input.
 * Costs one read of each tag and length; field contents are skipped, but for
 * the nested messages the rules name, which are scanned the same way.
 */
export function scanMessage(bytes: Uint8Array, rules: ScanRules): void {
  const reader = new FieldReader(bytes)
  const small = new Uint32Array(SMALL_FIELDS)
  let large: Map<number, number> | undefined
  while (reader.pos < bytes.length) {
    const tag = reader.uint32()
    const field = tag >>> 3
    if (field === 0) throw new WireError('MALFORMED', 'field number 0')
    let seen: number
    if (field < SMALL_FIELDS) seen = ++small[field]!
    else {
      large ??= new Map()
      seen = (large.get(field) ?? 0) + 1
      large.set(field, seen)
    }
    if (seen > rules.maxOccurrences) {
      throw new WireError('TOO_LARGE', `field ${field} occurs more than ${rules.maxOccurrences} times`)
    }
    const inner = rules.nested?.[field]
    if (inner !== undefined && (tag & 7) === WIRE_LENGTH_DELIMITED) scanMessage(reader.lengthDelimited(), inner)
    else reader.skip(tag & 7)
  }
}
