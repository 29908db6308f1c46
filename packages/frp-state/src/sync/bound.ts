import { compareBytes } from '@dscs/interface'
import { AUTHOR_BYTES } from '@dscs/wire'
import type { OpPosition } from '../core/hlc.js'

/**
 * A point in the op order between ops, where ranges begin and end: an HLC time
 * and a prefix of the author key followed by the op id (the rest of the
 * order). It stands for the smallest position with that prefix, as if padded
 * with zeros; a prefix never ends in a zero byte, so each point has one form.
 */
export interface Bound {
  readonly wall: number
  readonly counter: number
  /** At most 64 bytes of author ‖ id, with no trailing zero byte. */
  readonly prefix: Uint8Array
}

/** Bytes of author ‖ id, the longest prefix of a bound. */
export const KEY_BYTES = 64

const NO_PREFIX = new Uint8Array(0)

/** The start of the order: every op is at or after it. */
export const START: Bound = Object.freeze({ wall: 0, counter: 0, prefix: NO_PREFIX })

/** The end of the order: every op is before it. */
export const END: Bound = Object.freeze({ wall: Number.POSITIVE_INFINITY, counter: 0, prefix: NO_PREFIX })

/** True for {@link END}. */
export function isEnd(bound: Bound): boolean {
  return bound.wall === Number.POSITIVE_INFINITY
}

/** Orders bounds: negative when `a` comes first. */
export function compareBounds(a: Bound, b: Bound): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1
  return a.counter - b.counter || compareBytes(a.prefix, b.prefix)
}

/** True when `op` comes before `bound`. */
export function isBefore(op: OpPosition, bound: Bound): boolean {
  if (op.wall !== bound.wall) return op.wall < bound.wall
  if (op.counter !== bound.counter) return op.counter < bound.counter
  const prefix = bound.prefix
  for (let i = 0; i < prefix.length; i++) {
    const byte = keyByte(op, i)
    if (byte !== prefix[i]) return byte < prefix[i]!
  }
  return false // op's key starts with the prefix, so it is at or after the zero-padded point
}

/** The shortest bound after `previous` and at or before `next`, where a range starting at `next` begins. */
export function boundBetween(previous: OpPosition, next: OpPosition): Bound {
  if (next.wall !== previous.wall || next.counter !== previous.counter) {
    // The counter is only needed within one millisecond; 0 makes the bound shorter on the wire.
    return { wall: next.wall, counter: next.wall === previous.wall ? next.counter : 0, prefix: NO_PREFIX }
  }
  // Distinct ops at one time differ in author or id, so the keys differ within 64 bytes.
  let length = 0
  while (keyByte(next, length) === keyByte(previous, length)) length++
  // Ends at the first byte where next is greater, so the prefix never ends in a zero byte.
  const prefix = new Uint8Array(length + 1)
  for (let i = 0; i < prefix.length; i++) prefix[i] = keyByte(next, i)
  return { wall: next.wall, counter: next.counter, prefix }
}

function keyByte(op: OpPosition, i: number): number {
  return i < AUTHOR_BYTES ? op.author[i]! : op.id[i - AUTHOR_BYTES]!
}
