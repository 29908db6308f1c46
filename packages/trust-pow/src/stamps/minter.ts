import { signingBytes } from '@dscs/wire'
import { TrustPowError } from '../errors.js'
import { NonceSearch, nonceBytes, type MintJob, type MintReply } from './search.js'
import { checkBits, type StampableEnvelope } from './stamp.js'

/** How a search is going, reported every `progressEvery` hashes of each worker. */
export interface MintProgress {
  /** Hashes tried so far, by every worker. */
  readonly hashes: number
  /** Hashes per second since minting started, every worker together. */
  readonly hashRate: number
  /** Hashes a search takes on average: 2^bits. */
  readonly expectedHashes: number
  /**
   * Expected time left, in milliseconds: 2^bits at the measured rate. The
   * search is memoryless (each hash wins with the same odds), so time spent
   * brings the end no closer on average.
   */
  readonly etaMs: number
}

/** Options of a mint; every one has a default. */
export interface MintOptions {
  /** Cancels the mint: its workers are terminated and the promise rejects with `ABORTED`. */
  readonly signal?: AbortSignal
  /** Called with each progress report. */
  readonly onProgress?: (progress: MintProgress) => void
  /** Workers searching in parallel, each on its own share of the nonces. Default 1: a node that mints on every core starves itself. */
  readonly workers?: number
  /** Hashes each worker tries between two progress reports. Default 65 536 (tens of milliseconds). */
  readonly progressEvery?: number
  /**
   * Difficulties below this are minted on the calling thread: starting a
   * worker costs more than 2^11 hashes (about a millisecond). Default 12.
   */
  readonly inlineBelowBits?: number
}

/** A worker running {@link runMintJob} of `./search.js`, behind the platform's worker API. */
export interface MintWorker {
  post(job: MintJob): void
  onReply(listener: (reply: MintReply) => void): void
  onError(listener: (error: unknown) => void): void
  /** Stops the worker at once, mid-search. */
  terminate(): void
}

/** Starts a worker: a Node worker thread, or a browser Web Worker. */
export type SpawnMintWorker = () => MintWorker

/** A stamped envelope: the input with a stamp that proves the work asked for. */
export type Stamped<E extends StampableEnvelope> = E & { readonly stamp: Uint8Array }

const NONCE_SPACE = 2 ** 53
const DEFAULT_PROGRESS_EVERY = 65_536
const DEFAULT_INLINE_BELOW_BITS = 12

/**
 * Finds a stamp for `envelope` with at least `bits` leading zero bits, on
 * workers from `spawn` (or inline below `inlineBelowBits`). Rejects with
 * `ABORTED` when `signal` aborts, `WORKER_FAILED` when a worker fails.
 */
export async function mintWith<E extends StampableEnvelope>(spawn: SpawnMintWorker, envelope: E, bits: number, options: MintOptions = {}): Promise<Stamped<E>> {
  checkBits(bits, 'bits')
  const workers = options.workers ?? 1
  const progressEvery = options.progressEvery ?? DEFAULT_PROGRESS_EVERY
  if (!(Number.isInteger(workers) && workers > 0)) throw new TrustPowError('INVALID_OPTION', `workers must be a positive whole number, got ${workers}`)
  if (!(Number.isInteger(progressEvery) && progressEvery > 0)) {
    throw new TrustPowError('INVALID_OPTION', `progressEvery must be a positive whole number, got ${progressEvery}`)
  }
  if (options.signal?.aborted === true) throw aborted()
  const signing = signingBytes(envelope)
  if (bits < (options.inlineBelowBits ?? DEFAULT_INLINE_BELOW_BITS)) {
    return { ...envelope, stamp: nonceBytes(new NonceSearch(signing, bits).run(0, NONCE_SPACE)) }
  }
  return await new Promise<Stamped<E>>((resolve, reject) => {
    const running: MintWorker[] = []
    const started = performance.now()
    let hashes = 0
    let exhausted = 0
    let settled = false
    const finish = (settle: () => void): void => {
      if (settled) return
      settled = true
      for (const worker of running) worker.terminate()
      options.signal?.removeEventListener('abort', onAbort)
      settle()
    }
    const onAbort = (): void => finish(() => reject(aborted()))
    const fail = (error: unknown): void => finish(() => reject(new TrustPowError('WORKER_FAILED', 'a minting worker failed', { cause: error })))
    const onReply = (reply: MintReply): void => {
      if (settled) return
      hashes += reply.hashes
      if (reply.type === 'found') return finish(() => resolve({ ...envelope, stamp: nonceBytes(reply.nonce) }))
      if (reply.type === 'exhausted' && ++exhausted === workers) return fail('every nonce was tried')
      options.onProgress?.(progress(hashes, bits, performance.now() - started))
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const share = Math.floor(NONCE_SPACE / workers)
    for (let i = 0; i < workers && !settled; i++) {
      try {
        const worker = spawn()
        running.push(worker)
        worker.onReply(onReply)
        worker.onError(fail)
        worker.post({ signing, bits, start: i * share, count: share, progressEvery })
      } catch (err) {
        fail(err)
      }
    }
  })
}

function progress(hashes: number, bits: number, elapsedMs: number): MintProgress {
  const hashRate = elapsedMs > 0 ? (hashes * 1_000) / elapsedMs : 0
  const expectedHashes = 2 ** bits
  return { hashes, hashRate, expectedHashes, etaMs: hashRate > 0 ? (expectedHashes * 1_000) / hashRate : Infinity }
}

function aborted(): TrustPowError {
  return new TrustPowError('ABORTED', 'minting was cancelled')
}
