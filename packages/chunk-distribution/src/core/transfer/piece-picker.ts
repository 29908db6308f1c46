import type { Bitfield } from '../bitfield.js'

/** Whether a chunk can be asked of a peer now, and how often it is asked already. */
export interface PickState {
  /** True for chunks still to be fetched: not held and not being stored. */
  needed(index: number): boolean
  /** Peers a chunk is requested from now. */
  requests(index: number): number
}

/**
 * Chooses which chunk to ask a peer for: priority chunks first (those a
 * reader waits for), then rarest first — the chunk the fewest known peers
 * hold, so rare chunks spread before their holders leave — with ties broken
 * at random so that leechers do not all ask for the same chunk.
 */
export class PiecePicker {
  /** How many known peers hold each chunk. */
  readonly availability: Uint32Array
  readonly #random: () => number
  #priority: number[] = []

  constructor(chunkCount: number, random: () => number) {
    this.availability = new Uint32Array(chunkCount)
    this.#random = random
  }

  added(bits: Bitfield): void {
    for (let i = 0; i < bits.length; i++) if (bits.has(i)) this.availability[i]!++
  }

  removed(bits: Bitfield): void {
    for (let i = 0; i < bits.length; i++) if (bits.has(i) && this.availability[i]! > 0) this.availability[i]!--
  }

  /** Chunks to fetch before any other, in this order, e.g. those a streaming read waits for. */
  prioritise(indices: readonly number[]): void {
    this.#priority = [...indices]
  }

  /** A chunk `bits` holds that is needed and requested from nobody, or undefined. */
  pick(bits: Bitfield, state: PickState): number | undefined {
    this.#priority = this.#priority.filter((i) => state.needed(i))
    const urgent = this.#priority.find((i) => bits.has(i) && state.requests(i) === 0)
    if (urgent !== undefined) return urgent
    return this.#rarest(bits, (i) => state.needed(i) && state.requests(i) === 0)
  }

  /**
   * Endgame: a needed chunk `bits` holds that is requested from fewer than
   * `maxRequests` peers and not from this one (`asked`), least requested and
   * rarest first.
   */
  pickDuplicate(bits: Bitfield, state: PickState, asked: ReadonlyMap<number, unknown>, maxRequests: number): number | undefined {
    let fewest = Infinity
    for (let i = 0; i < bits.length; i++) if (bits.has(i) && state.needed(i) && !asked.has(i)) fewest = Math.min(fewest, state.requests(i))
    if (fewest >= maxRequests) return undefined
    return this.#rarest(bits, (i) => state.needed(i) && !asked.has(i) && state.requests(i) === fewest)
  }

  /** The eligible chunk of least availability, a uniform choice among ties (reservoir sampling, one pass). */
  #rarest(bits: Bitfield, eligible: (index: number) => boolean): number | undefined {
    let best: number | undefined
    let bestAvailability = Infinity
    let ties = 0
    for (let i = 0; i < bits.length; i++) {
      if (!bits.has(i) || !eligible(i)) continue
      const availability = this.availability[i]!
      if (availability < bestAvailability) {
        best = i
        bestAvailability = availability
        ties = 1
      } else if (availability === bestAvailability && this.#random() * ++ties < 1) {
        best = i
      }
    }
    return best
  }
}
