import { protocolService } from '@dscs/net'
import { ChainService, type ChainInit } from './service.js'

export { CHAIN_PROTOCOL_ID, HEADER_BYTES, blockTopic, txTopic } from './constants.js'
export { ChainError } from './errors.js'
export type { ChainErrorCode } from './errors.js'
export { ChainCore } from './core.js'
export type { ChainCoreOptions, ChainEvent, BlockTemplate, TxStatus } from './core.js'
export { createBlock, decodeBlock } from './block.js'
export type { Block, BlockLimits } from './block.js'
export { encodeHeader, decodeHeader, headerHash, meetsTarget, workOf, searchNonce } from './header.js'
export type { BlockHeader } from './header.js'
export { merkleRoot } from './merkle.js'
export { nextTarget } from './difficulty.js'
export type { RetargetParams } from './difficulty.js'
export { genesisBlock } from './params.js'
export type { ChainParams, ChainLimits, ChainSettings } from './params.js'
export { chainTrustPolicy } from './policy.js'
export type { ChainTrustOptions, ChainTrustPolicy, ChainView } from './policy.js'
export { sliceMiner } from './miner.js'
export type { Miner, SliceMinerOptions } from './miner.js'
export { ChainService } from './service.js'
export type { ChainComponents, ChainInit, ChainServiceEvent } from './service.js'

/**
 * The libp2p service factory of the chain:
 * `createNode({ services: { chain: powChain(init) } })`, after which
 * `node.libp2p.services.chain` is the {@link ChainService}. It needs the
 * node's `net` service, which `createNode` of `@dscs/net` registers; blocks
 * persist in the node's store (LevelDB under its data directory).
 */
export function powChain(init: ChainInit = {}): (components: object) => ChainService {
  return protocolService((context) => new ChainService(context, init))
}
