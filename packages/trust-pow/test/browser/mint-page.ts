// The page the browser tests open: it mints with the package's browser entry (Web Workers), as an application
// would, on envelopes the test encodes in Node, and hands back the bytes of what it minted.
import { decodeEnvelope, encodeEnvelope } from '@dscs/wire'
import { TrustPowError, mintStamp, type MintProgress } from '../../src/index.js'

/** What the test reads of a mint, through `page.evaluate`. */
export interface MintRun {
  /** Progress reports, in order. */
  readonly progress: MintProgress[]
  /** Timer ticks of the page's main thread since the mint began. */
  ticks: number
  /** Main-thread ticks counted when the first progress report arrived. */
  ticksAtFirstProgress: number | undefined
  /** The stamped envelope's bytes, once minted. */
  stamped: number[] | undefined
  /** How the mint failed, if it did. */
  error: { readonly name: string; readonly code: string | undefined; readonly isTrustPowError: boolean; readonly message: string } | undefined
  settled: boolean
}

/** The page's test API, on `window.mintTest`. */
export interface MintTestApi {
  /** Starts minting `envelope` (encoded bytes) at `bits`; the run fills in as it goes. */
  start(envelope: number[], bits: number, progressEvery: number): void
  /** Cancels the mint through its AbortSignal. */
  abort(): void
  readonly run: MintRun | undefined
}

declare global {
  interface Window {
    mintTest: MintTestApi
  }
}

let controller: AbortController | undefined
const api: { -readonly [K in keyof MintTestApi]: MintTestApi[K] } = {
  run: undefined,
  abort: () => controller?.abort(),
  start(envelope, bits, progressEvery) {
    const run: MintRun = { progress: [], ticks: 0, ticksAtFirstProgress: undefined, stamped: undefined, error: undefined, settled: false }
    api.run = run
    controller = new AbortController()
    // Counts while the mint runs: a search on this thread would stop the count until it ended.
    const ticker = setInterval(() => run.ticks++, 1)
    const onProgress = (progress: MintProgress): void => {
      run.ticksAtFirstProgress ??= run.ticks
      run.progress.push(progress)
    }
    mintStamp(decodeEnvelope(Uint8Array.from(envelope)), bits, { signal: controller.signal, onProgress, progressEvery })
      .then((stamped) => (run.stamped = Array.from(encodeEnvelope(stamped))))
      .catch((err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err))
        const code = err instanceof TrustPowError ? err.code : undefined
        run.error = { name: error.name, code, isTrustPowError: err instanceof TrustPowError, message: error.message }
      })
      .finally(() => {
        clearInterval(ticker)
        run.settled = true
      })
  }
}
window.mintTest = api
