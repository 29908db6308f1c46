import type { MintWorker } from './minter.js'
import type { MintJob, MintReply } from './search.js'

/** A browser Web Worker running `./mint-worker.js`, as a {@link MintWorker}. */
export function webMintWorker(): MintWorker {
  const worker = new Worker(new URL('./mint-worker.js', import.meta.url), { type: 'module', name: 'dscs-trust-pow-mint' })
  return {
    post: (job: MintJob) => worker.postMessage(job),
    onReply: (listener) => worker.addEventListener('message', (event: MessageEvent<MintReply>) => listener(event.data)),
    onError: (listener) => worker.addEventListener('error', (event) => listener(event.error ?? event.message)),
    terminate: () => worker.terminate()
  }
}
