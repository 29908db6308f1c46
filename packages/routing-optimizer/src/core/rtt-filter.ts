/**
 * A moving-percentile filter of RTT samples to one peer (Ledlie et al.,
 * "Network coordinates in the wild", 2007): the 25th percentile of the last
 * few samples. Queueing only ever adds delay, so a low percentile tracks the
 * path's real RTT and drops the occasional huge outlier that would otherwise
 * drag a Vivaldi coordinate across the map.
 */
export class RttFilter {
  readonly #window: number
  readonly #samples: number[] = []

  constructor(window = 8) {
    this.#window = window
  }

  /** Adds `rtt` and returns the filtered RTT. */
  add(rtt: number): number {
    this.#samples.push(rtt)
    if (this.#samples.length > this.#window) this.#samples.shift()
    return this.value
  }

  get value(): number {
    const sorted = [...this.#samples].sort((a, b) => a - b)
    return sorted[Math.floor((sorted.length - 1) / 4)] ?? NaN
  }
}
