import { Worker } from 'node:worker_threads'
import { mintWith, type MintOptions, type MintWorker, type Stamped } from '../stamps/minter.js'
import type { MintJob, MintReply } from '../stamps/search.js'
import type { StampableEnvelope } from '../stamps/stamp.js'

// The worker next to this module: the compiled one in dist/, the TypeScript source when run from src/.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './mint-worker.ts' : './mint-worker.js', import.meta.url)

/** A Node worker thread running the mint loop, as a {@link MintWorker}; `exited` settles once its thread has ended. */
export interface NodeMintWorker extends MintWorker {
  readonly exited: Promise<number>
}

/** Starts a worker thread for minting. */
export function nodeMintWorker(): NodeMintWorker {
  const worker = new Worker(WORKER_URL, { name: 'dscs-trust-pow-mint' })
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve))
  return {
    exited,
    post: (job: MintJob) => worker.postMessage(job),
    onReply: (listener) => worker.on('message', (reply: MintReply) => listener(reply)),
    onError: (listener) => worker.on('error', listener),
    terminate: () => void worker.terminate()
  }
}

/**
 * Finds a stamp for `envelope` with at least `bits` leading zero bits, on
 * worker threads (see {@link MintOptions}); the Node version of `mintStamp`.
 */
export function mintStamp<E extends StampableEnvelope>(envelope: E, bits: number, options?: MintOptions): Promise<Stamped<E>> {
  return mintWith(nodeMintWorker, envelope, bits, options)
}
