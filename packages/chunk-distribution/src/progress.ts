import type { SessionProgress } from './core/transfer/session.js'

/** How a download is going, as `fetch` reports it. */
export interface TransferProgress {
  /** 0 to 100. */
  readonly percent: number
  readonly bytes: number
  /** The content's size, undefined while the manifest is unknown. */
  readonly size: number | undefined
  /** Bytes per second over the download so far. */
  readonly rate: number
  /** Peers serving chunks now. */
  readonly peers: number
  /** Seconds left at the current rate, undefined before the rate is known. */
  readonly eta: number | undefined
}

/** Turns the core's progress of one download into rates and an ETA, timed from the first report. */
export class FetchProgress {
  #startedAt: number | undefined
  #startBytes = 0

  report(progress: SessionProgress, now: number): TransferProgress {
    if (this.#startedAt === undefined) {
      this.#startedAt = now
      this.#startBytes = progress.bytes
    }
    const seconds = (now - this.#startedAt) / 1000
    const rate = seconds > 0 ? (progress.bytes - this.#startBytes) / seconds : 0
    const size = progress.size
    const left = size === undefined ? undefined : size - progress.bytes
    return {
      percent: size === undefined || size === 0 ? (progress.held === progress.chunks ? 100 : 0) : (100 * progress.bytes) / size,
      bytes: progress.bytes,
      size,
      rate,
      peers: progress.peers,
      eta: left === undefined || rate <= 0 ? undefined : left / rate
    }
  }
}
