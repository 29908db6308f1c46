/**
 * @packageDocumentation
 *
 * The Node entry of `@dscs/trust-pow` (the `node` export condition, or
 * `@dscs/trust-pow/node`): everything of the main entry, with
 * {@link mintStamp} minting on worker threads instead of Web Workers, and
 * chain miners on worker threads.
 */
export * from '../index.js'
export { mintStamp, nodeMintWorker } from './mint.js'
export type { NodeMintWorker } from './mint.js'

// ---- The proof-of-work chain (src/chain/) ----
export { workerMiner } from './chain-miner.js'
export type { WorkerMiner } from './chain-miner.js'
