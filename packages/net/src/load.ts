/**
 * A decaying count of recent events: about how many happened in the last
 * `windowMs`. Cheap enough to update on every message.
 */
export class RecentRate {
  readonly #windowMs: number
  #count = 0
  #at = 0

  constructor(windowMs: number) {
    this.#windowMs = windowMs
  }

  /** Records one event at `now` (ms); returns the decayed count including it. */
  add(now: number): number {
    this.#count = this.#count * Math.exp(-Math.max(0, now - this.#at) / this.#windowMs) + 1
    this.#at = now
    return this.#count
  }
}
