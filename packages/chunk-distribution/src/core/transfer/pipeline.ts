/** Bounds of a request pipeline. */
export interface PipelineLimits {
  readonly initial: number
  readonly max: number
  /** A piece answered faster than this while the pipeline was full means the peer keeps up: deepen. */
  readonly fastLatency: number
}

/**
 * How many requests one peer may have in flight, adapted to it in the manner
 * of TCP's congestion window: one deeper for each piece it delivers quickly
 * with the pipeline full, half as deep on a timeout.
 */
export class PipelineDepth {
  readonly #limits: PipelineLimits
  #value: number

  constructor(limits: PipelineLimits) {
    this.#limits = limits
    this.#value = limits.initial
  }

  get value(): number {
    return this.#value
  }

  delivered(latency: number, wasFull: boolean): void {
    if (wasFull && latency < this.#limits.fastLatency) this.#value = Math.min(this.#limits.max, this.#value + 1)
  }

  /** The peer refused a request as busy with `inflight` of ours in hand: that is as deep as it serves. */
  refused(inflight: number): void {
    this.#value = Math.max(1, Math.min(this.#value, inflight))
  }

  /** Back to the initial depth, as for a new peer. */
  reset(): void {
    this.#value = this.#limits.initial
  }

  timedOut(): void {
    this.#value = Math.max(1, Math.floor(this.#value / 2))
  }
}
