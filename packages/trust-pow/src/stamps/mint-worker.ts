// The browser Web Worker that mints: `webMintWorker` starts it as a module worker. Bundlers follow the
// `new Worker(new URL('./mint-worker.js', import.meta.url))` pattern and ship this file with its one import.
import { runMintJob, type MintJob, type MintReply } from './search.js'

/** The part of a dedicated worker's global scope this file uses (the DOM library types `self` as a window). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<MintJob>) => void) | null
  postMessage(reply: MintReply): void
}

const scope = globalThis as unknown as WorkerScope
scope.onmessage = (event) => runMintJob(event.data, (reply) => scope.postMessage(reply))
