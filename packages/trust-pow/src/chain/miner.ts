import { searchNonce } from './header.js'

/** Searches nonces for a header; in a worker thread, on the main thread between other work, or simulated. */
export interface Miner {
  /**
   * Tries nonces in the encoded header (nonce in its last 8 bytes) until its
   * hash meets `target`; resolves to that nonce, or undefined once `signal`
   * aborts (a new tip made the header stale, or mining stopped).
   */
  search(header: Uint8Array, target: bigint, signal: AbortSignal): Promise<number | undefined>
  /** Hashes per second, measured over the recent search. */
  readonly hashRate: number
  /** Releases what the miner holds (a worker thread). */
  close?(): void
}

export interface SliceMinerOptions {
  /** Hashes between two yields to the event loop. Default 2 048. */
  readonly sliceHashes?: number
  /** The time, ms; default `performance.now()`. */
  readonly now?: () => number
}

/**
 * A miner on the calling thread that yields to the event loop between slices
 * of hashes, so the node stays responsive: the portable fallback (browsers
 * without workers, tests). Node has a worker-thread miner in its node entry.
 */
export function sliceMiner(options: SliceMinerOptions = {}): Miner {
  const slice = options.sliceHashes ?? 2_048
  // Sub-millisecond: a slice of 2,048 hashes takes about a millisecond.
  const now = options.now ?? (() => performance.now())
  let hashRate = 0
  return {
    get hashRate() {
      return hashRate
    },
    async search(header, target, signal) {
      const work = header.slice()
      for (let start = 0; start < Number.MAX_SAFE_INTEGER - slice; start += slice) {
        if (signal.aborted) return undefined
        const began = now()
        const nonce = searchNonce(work, target, start, slice)
        const took = now() - began
        if (took > 0) hashRate = Math.round(((nonce === undefined ? slice : nonce - start + 1) * 1_000) / took)
        if (nonce !== undefined) return nonce
        await new Promise((resolve) => setTimeout(resolve, 0))
      }
      return undefined
    }
  }
}
