/**
 * How often keyed logs keep a checkpoint, shared by every log of a state so
 * checkpoint memory stays under one bound: when the count passes `max`, the
 * spacing doubles and `thinAll` makes every log drop its checkpoints off the
 * new spacing.
 */
export class CheckpointBudget {
  #every: number
  #count = 0
  readonly #max: number
  readonly #thinAll: (every: number) => number

  constructor(every: number, max: number, thinAll: (every: number) => number) {
    this.#every = every
    this.#max = max
    this.#thinAll = thinAll
  }

  /** Ops between two checkpoints of one key: rolling back replays at most this many. */
  get every(): number {
    return this.#every
  }

  /** Checkpoints held now, across every log. */
  get count(): number {
    return this.#count
  }

  added(): void {
    if (++this.#count <= this.#max) return
    this.#every *= 2
    this.#count -= this.#thinAll(this.#every)
  }

  removed(n: number): void {
    this.#count -= n
  }
}
