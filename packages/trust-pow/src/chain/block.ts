import { bytesToHex } from '@noble/hashes/utils.js'
import { decodeBounded } from '@dscs/wire'
import { dscs } from '../gen/chain.js'
import { decodeHeader, encodeHeader, headerHash, type BlockHeader } from './header.js'
import { ChainError } from './errors.js'

const BlockMessage = dscs.trust_pow.chain.v1.Block

/** A block as the chain holds it: decoded header, id and transactions, with its encoding kept to store and serve. */
export interface Block {
  readonly header: BlockHeader
  /** The encoded header: what was hashed. */
  readonly headerBytes: Uint8Array
  /** The header hash, hex. */
  readonly id: string
  readonly hash: Uint8Array
  /** Encoded signed envelopes, in block order. */
  readonly transactions: readonly Uint8Array[]
  /** The whole encoded block. */
  readonly bytes: Uint8Array
}

/** Size limits a block must obey before anything else is looked at. */
export interface BlockLimits {
  readonly maxBlockBytes: number
  readonly maxBlockTxs: number
  readonly maxTxBytes: number
}

/** Builds a block from its header and transactions. */
export function createBlock(header: BlockHeader, transactions: readonly Uint8Array[]): Block {
  const headerBytes = encodeHeader(header)
  const bytes = BlockMessage.encode({ header: headerBytes, transactions: [...transactions] }).finish()
  return withIds(header, headerBytes, transactions, bytes)
}

/**
 * Decodes untrusted bytes, cheapest checks first: total size, the field scan,
 * transaction count and sizes, then the header's fields. Work, Merkle root
 * and signatures are the validator's.
 */
export function decodeBlock(bytes: Uint8Array, limits: BlockLimits): Block {
  if (bytes.length > limits.maxBlockBytes) {
    throw new ChainError('TOO_LARGE', `block of ${bytes.length} bytes exceeds the limit of ${limits.maxBlockBytes}`)
  }
  const message = decodeBounded(bytes, 'block', limits.maxBlockBytes, { maxOccurrences: limits.maxBlockTxs }, (b) => BlockMessage.decode(b))
  if (message.transactions.length > limits.maxBlockTxs) {
    throw new ChainError('TOO_LARGE', `${message.transactions.length} transactions exceed the limit of ${limits.maxBlockTxs}`)
  }
  for (const tx of message.transactions) {
    if (tx.length > limits.maxTxBytes) throw new ChainError('TOO_LARGE', `a transaction of ${tx.length} bytes exceeds the limit of ${limits.maxTxBytes}`)
  }
  return withIds(decodeHeader(message.header), message.header, message.transactions, bytes)
}

function withIds(header: BlockHeader, headerBytes: Uint8Array, transactions: readonly Uint8Array[], bytes: Uint8Array): Block {
  const hash = headerHash(headerBytes)
  return { header, headerBytes, hash, id: bytesToHex(hash), transactions, bytes }
}
