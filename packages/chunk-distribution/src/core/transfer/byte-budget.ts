/**
 * A token bucket of bytes: what one peer may download from this node, at
 * `bytesPerMs` sustained after a burst of `burstBytes`.
 */
export class ByteBudget {
  readonly #bytesPerMs: number
  readonly #burstBytes: number
  #tokens: number
  #at: number

  constructor(bytesPerMs: number, burstBytes: number, now: number) {
    this.#bytesPerMs = bytesPerMs
    this.#burstBytes = burstBytes
    this.#tokens = burstBytes
    this.#at = now
  }

  /** Takes `bytes` when the budget holds them; false (taking nothing) when it does not. */
  take(bytes: number, now: number): boolean {
    if (this.#bytesPerMs === Infinity) return true
    this.#tokens = Math.min(this.#burstBytes, this.#tokens + Math.max(0, now - this.#at) * this.#bytesPerMs)
    this.#at = now
    if (this.#tokens < bytes) return false
    this.#tokens -= bytes
    return true
  }
}
