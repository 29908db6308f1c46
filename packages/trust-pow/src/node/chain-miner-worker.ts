// The worker thread of workerMiner: hashes headers with node:crypto until a nonce meets the target or the search is
// superseded. Self-contained (node: modules only), so Node runs it from source or from dist alike.
import { hash } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'

interface Search {
  readonly header: Uint8Array
  /** 32 bytes, big-endian. */
  readonly target: Uint8Array
  readonly generation: number
}

const NONCE_OFFSET = 116
// Hashes between two looks at the generation and two updates of the shared counter.
const BATCH = 4_096
const shared = (workerData as { shared: SharedArrayBuffer }).shared
const generation = new Int32Array(shared, 0, 1)
const hashes = new BigInt64Array(shared, 8, 1)

parentPort!.on('message', (search: Search) => {
  const header = Buffer.from(search.header)
  const target = Buffer.from(search.target)
  for (let nonce = 0; nonce < Number.MAX_SAFE_INTEGER - BATCH; ) {
    const start = nonce
    for (const end = nonce + BATCH; nonce < end; nonce++) {
      header.writeUInt32BE(Math.floor(nonce / 2 ** 32), NONCE_OFFSET)
      header.writeUInt32BE(nonce >>> 0, NONCE_OFFSET + 4)
      if (Buffer.compare(hash('sha256', header, 'buffer'), target) <= 0) {
        // Counted too: at a low target most searches end inside their first batch.
        Atomics.add(hashes, 0, BigInt(nonce - start + 1))
        parentPort!.postMessage({ generation: search.generation, nonce })
        return
      }
    }
    Atomics.add(hashes, 0, BigInt(BATCH))
    if (Atomics.load(generation, 0) !== search.generation) break
  }
  parentPort!.postMessage({ generation: search.generation, nonce: null })
})
