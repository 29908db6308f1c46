import { protocolService } from '@dscs/net'
import type { ChainEvent } from './core.js'
import { chainTrustPolicy, type ChainTrustOptions, type ChainTrustPolicy } from './policy.js'
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
export type { ChainComponents, ChainInit, ChainServiceEvent, ChainSyncReport } from './service.js'

/** The service factory {@link powChain} returns, with the trust policy of the service it will build. */
export interface PowChainFactory {
  (components: object): ChainService
  /**
   * A TrustPolicy on the chain service this factory builds, to hand to another
   * service of the same node before the node exists (frp-state's `trust`).
   * Ops stay pending until the node runs and their transactions are deep enough.
   */
  trustPolicy(options?: ChainTrustOptions): ChainTrustPolicy
}

/**
 * The libp2p service factory of the chain:
 * `createNode({ services: { chain: powChain(init) } })`, after which
 * `node.libp2p.services.chain` is the {@link ChainService}. It needs the
 * node's `net` service, which `createNode` of `@dscs/net` registers; blocks
 * persist in the node's store (LevelDB under its data directory).
 */
export function powChain(init: ChainInit = {}): PowChainFactory {
  let service: ChainService | undefined
  const listeners = new Set<(event: ChainEvent) => void>()
  const factory = protocolService((context) => {
    service = new ChainService(context, init)
    service.onEvent((event) => event.type !== 'corrupt' && listeners.forEach((listener) => listener(event)))
    return service
  })
  const view = {
    confirmations: (id: string) => service?.confirmations(id),
    onEvent: (listener: (event: ChainEvent) => void) => (listeners.add(listener), () => listeners.delete(listener))
  }
  return Object.assign(factory, { trustPolicy: (options: ChainTrustOptions = {}) => chainTrustPolicy(view, options) })
}
