/**
 * @packageDocumentation
 *
 * The Node entry of @dscs/trust-pow: everything the portable entry offers,
 * plus miners on worker threads. Node picks this entry automatically through
 * the `node` export condition.
 */
export * from '../index.js'

// ---- The proof-of-work chain (src/chain/) ----
export { workerMiner } from './chain-miner.js'
export type { WorkerMiner } from './chain-miner.js'
