/**
 * Lifeguard's local health multiplier: a node that misses its own deadlines,
 * fails probes that others answer, or must refute suspicions of itself is
 * probably the slow one, so it stretches its timeouts by `1 + score` rather
 * than accusing healthy members. Each successful probe lowers the score.
 */
export class LocalHealth {
  #score = 0
  readonly #max: number

  constructor(max: number) {
    this.#max = max
  }

  get score(): number {
    return this.#score
  }

  /** What every timeout is multiplied by. */
  get multiplier(): number {
    return 1 + this.#score
  }

  worse(): void {
    this.#score = Math.min(this.#max, this.#score + 1)
  }

  better(): void {
    this.#score = Math.max(0, this.#score - 1)
  }
}
