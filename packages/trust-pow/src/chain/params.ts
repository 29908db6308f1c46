import { DEFAULTS, HEADER_VERSION } from './constants.js'
import { ChainError } from './errors.js'
import { createBlock, type Block, type BlockLimits } from './block.js'
import type { RetargetParams } from './difficulty.js'
import { merkleRoot } from './merkle.js'

/** The consensus rules and limits of one chain network: every node of a network must share them. */
export interface ChainParams extends RetargetParams, BlockLimits {
  /** Names the topics, so chains with different rules never exchange blocks. */
  readonly network: string
  readonly genesisTimestamp: number
  /** Most a block's timestamp may lead the receiving node's clock, ms. */
  readonly maxFutureDrift: number
  /** A block's timestamp must exceed the median of this many blocks before it. */
  readonly medianSpan: number
}

/** Where this node's own bounds differ from consensus: memory and message sizes. */
export interface ChainLimits {
  readonly mempoolMaxTxs: number
  readonly mempoolMaxBytes: number
  readonly orphanMaxBlocks: number
  readonly orphanMaxBytes: number
  readonly maxHeadersPerMessage: number
  readonly maxBlocksPerRequest: number
  readonly maxSyncMessageBytes: number
}

export type ChainSettings = ChainParams & ChainLimits

/** Every option with its default, checked. */
export function resolveSettings(options: Partial<ChainSettings>): ChainSettings {
  const settings = { ...DEFAULTS, ...definedOnly(options) }
  for (const [name, value] of Object.entries(settings)) {
    if (typeof value === 'number' && !(Number.isSafeInteger(value) && value > 0)) {
      throw new ChainError('INVALID_OPTION', `${name} must be a positive safe integer, not ${value}`)
    }
  }
  if (settings.powLimit <= 0n || settings.powLimit >= 1n << 256n) throw new ChainError('INVALID_OPTION', 'powLimit must be a positive 256-bit number')
  if (settings.maxBlockBytes + 1_024 > settings.maxSyncMessageBytes) {
    throw new ChainError('INVALID_OPTION', 'maxSyncMessageBytes must hold a block of maxBlockBytes and its framing')
  }
  return settings
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** The genesis block every node of a network derives from its parameters: not mined, the same everywhere. */
export function genesisBlock(params: ChainParams): Block {
  return createBlock(
    { version: HEADER_VERSION, parent: new Uint8Array(32), height: 0, timestamp: params.genesisTimestamp, target: params.powLimit, merkleRoot: merkleRoot([]), nonce: 0 },
    []
  )
}
