import { Worker } from 'node:worker_threads'
import type { Miner } from '../chain/miner.js'
import { targetBytes } from '../chain/header.js'

/** A {@link Miner} that hashes on a worker thread; `close` ends the thread. */
export interface WorkerMiner extends Miner {
  close(): void
}

// From source (vitest, type stripping) the worker is the .ts file; from dist, the compiled .js.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './chain-miner-worker.ts' : './chain-miner-worker.js', import.meta.url)

/**
 * Mines on a worker thread with node:crypto's SHA-256, so the event loop stays
 * free. A new search or an abort supersedes the running one within one batch
 * of hashes (a shared generation counter the worker reads); `hashRate` counts
 * the hashes the worker reports through shared memory.
 */
export function workerMiner(options: { readonly now?: () => number } = {}): WorkerMiner {
  const now = options.now ?? Date.now
  const shared = new SharedArrayBuffer(16)
  const generation = new Int32Array(shared, 0, 1)
  const hashes = new BigInt64Array(shared, 8, 1)
  const worker = new Worker(WORKER_URL, { workerData: { shared } })
  worker.unref()
  let since = { at: now(), hashes: 0n }
  let hashRate = 0
  return {
    get hashRate() {
      const at = now()
      const done = Atomics.load(hashes, 0)
      // Renewed each second; the first figure as soon as there are hashes to count, not a second later.
      if (at - since.at >= 1_000 || (hashRate === 0 && at > since.at && done > since.hashes)) {
        hashRate = Math.round((Number(done - since.hashes) * 1_000) / (at - since.at))
        since = { at, hashes: done }
      }
      return hashRate
    },
    search(header, target, signal) {
      const mine = Atomics.add(generation, 0, 1) + 1
      return new Promise((resolve) => {
        const settle = (nonce: number | undefined): void => {
          worker.off('message', onMessage)
          worker.unref()
          resolve(nonce)
        }
        const onMessage = (answer: { generation: number; nonce: number | null }): void => {
          if (answer.generation === mine) settle(answer.nonce ?? undefined)
        }
        signal.addEventListener('abort', () => (Atomics.add(generation, 0, 1), settle(undefined)), { once: true })
        if (signal.aborted) return settle(undefined)
        worker.on('message', onMessage)
        worker.ref() // a search keeps the process alive until it ends
        worker.postMessage({ header, target: targetBytes(target), generation: mine })
      })
    },
    close() {
      Atomics.add(generation, 0, 1)
      void worker.terminate()
    }
  }
}
