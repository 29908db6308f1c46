import { compareBytes } from '@dscs/interface'
import { FrpStateError } from './errors.js'

/** Largest HLC counter accepted: a peer cannot wind another's clock past it. */
export const MAX_HLC_COUNTER = 0xffff

/** A hybrid logical clock reading: wall milliseconds, then a counter for events within one millisecond. */
export interface HlcTime {
  readonly wall: number
  readonly counter: number
}

/**
 * Where an op sits in the one order every peer derives: HLC time, then the
 * author's key, then the op id (only a faulty author reuses a time).
 */
export interface OpPosition extends HlcTime {
  readonly author: Uint8Array
  /** The envelope hash: 32 bytes. */
  readonly id: Uint8Array
}

/** Orders HLC times: wall first, then counter. */
export function compareHlc(a: HlcTime, b: HlcTime): number {
  return a.wall - b.wall || a.counter - b.counter
}

/** The canonical op order: negative when `a` comes first. */
export function compareOps(a: OpPosition, b: OpPosition): number {
  return compareHlc(a, b) || compareBytes(a.author, b.author) || compareBytes(a.id, b.id)
}

/**
 * A hybrid logical clock (Kulkarni et al., 2014): it never runs backwards,
 * stays within the counter of physical time, and after seeing a remote time
 * issues only later ones, so an op written after reading another sorts after it.
 */
export class HybridClock {
  #last: HlcTime

  constructor(last: HlcTime = { wall: 0, counter: 0 }) {
    this.#last = last
  }

  /** The time for a new local event at physical time `physical` (ms). */
  tick(physical: number): HlcTime {
    const wall = Math.floor(physical)
    const next = wall > this.#last.wall ? { wall, counter: 0 } : { wall: this.#last.wall, counter: this.#last.counter + 1 }
    return (this.#last = checked(next))
  }

  /** Moves past `remote`, a time read from a verified op, so the next tick sorts after it. */
  observe(remote: HlcTime): void {
    if (compareHlc(remote, this.#last) > 0) this.#last = checked(remote)
  }

  /** The latest time issued or observed. */
  get last(): HlcTime {
    return this.#last
  }
}

function checked(time: HlcTime): HlcTime {
  if (time.counter > MAX_HLC_COUNTER) {
    throw new FrpStateError('CLOCK_OVERFLOW', `more than ${MAX_HLC_COUNTER} events within millisecond ${time.wall}`)
  }
  return time
}
