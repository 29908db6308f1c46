/** Smoothing of each new sample: recent pieces weigh most, one slow piece does not undo a fast peer. */
const WEIGHT = 0.25

/**
 * A peer's measured throughput, bytes per ms: an exponentially weighted
 * average over its pieces, each timed from the previous piece or from the
 * request that ended the peer's idle time, so idle gaps are not counted.
 */
export class ThroughputMeter {
  #rate = 0
  #since: number | undefined

  /** Bytes per ms, 0 until a piece arrived. */
  get rate(): number {
    return this.#rate
  }

  /** A request went out to a peer with nothing in flight: its time starts counting. */
  busy(now: number): void {
    this.#since ??= now
  }

  /** The peer has nothing in flight: stop counting until its next request. */
  idle(): void {
    this.#since = undefined
  }

  record(bytes: number, now: number): void {
    const elapsed = Math.max(1, now - (this.#since ?? now))
    const sample = bytes / elapsed
    this.#rate = this.#rate === 0 ? sample : this.#rate + WEIGHT * (sample - this.#rate)
    this.#since = now
  }
}
