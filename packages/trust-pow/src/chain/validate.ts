import type { VerificationCache } from '@dscs/identity'
import { compareBytes } from '@dscs/interface'
import type { Block } from './block.js'
import { nextTarget } from './difficulty.js'
import { ChainError } from './errors.js'
import { meetsTarget } from './header.js'
import { merkleRoot } from './merkle.js'
import type { ChainParams } from './params.js'
import { checkSignature, readTransaction, type Transaction } from './transaction.js'
import type { BlockEntry, BlockTree } from './tree.js'

/**
 * The checks a block passes without knowing its parent, one hash at most:
 * its target within the network's limit, its hash meeting its target, its
 * timestamp not too far ahead of this node's clock. Size and field ranges were
 * checked by decoding. A block failing here is worth no memory, not even as an orphan.
 */
export function checkHeaderAlone(block: Block, params: ChainParams, now: number): void {
  const { header } = block
  if (header.target > params.powLimit) throw new ChainError('BAD_TARGET', 'the target is easier than the network allows')
  if (!meetsTarget(block.hash, header.target)) throw new ChainError('INSUFFICIENT_WORK', `block ${block.id.slice(0, 16)}… does not meet its target`)
  if (header.timestamp > now + params.maxFutureDrift) {
    throw new ChainError('BAD_TIMESTAMP', `block timestamp is ${header.timestamp - now} ms ahead of this node's clock`)
  }
}

/** The header checks that need the parent: height, the demanded target, a timestamp past the recent median. */
export function checkHeaderOnParent(block: Block, parent: BlockEntry, tree: BlockTree, params: ChainParams): void {
  const { header } = block
  if (header.height !== parent.height + 1) throw new ChainError('BAD_HEIGHT', `height ${header.height} on a parent at ${parent.height}`)
  const parentHeader = parent.block.header
  const expected = nextTarget(
    { height: parent.height, target: parentHeader.target, timestamp: parentHeader.timestamp },
    (height) => tree.ancestor(parent, height).block.header.timestamp,
    params
  )
  if (header.target !== expected) throw new ChainError('BAD_TARGET', `the target is not the one the chain demands at height ${header.height}`)
  if (header.timestamp <= tree.medianTime(parent, params.medianSpan)) {
    throw new ChainError('BAD_TIMESTAMP', 'block timestamp is not after the median of the blocks before it')
  }
}

/** Decodes the transactions and checks the Merkle root commits to them, before any signature. */
export function readBody(block: Block, params: ChainParams): Transaction[] {
  const txs = block.transactions.map((bytes) => readTransaction(bytes, params.maxTxBytes))
  if (compareBytes(merkleRoot(txs.map((tx) => tx.hash)), block.header.merkleRoot) !== 0) {
    throw new ChainError('BAD_MERKLE_ROOT', `block ${block.id.slice(0, 16)}…'s Merkle root does not match its transactions`)
  }
  return txs
}

/**
 * Every transaction: no duplicate within the block or on the branch it
 * extends, dated no later than the block allows, then (last, the costly part)
 * signed by its author, each signature verified once per node through the cache.
 */
export function checkTransactions(
  txs: readonly Transaction[],
  block: Block,
  parent: BlockEntry,
  tree: BlockTree,
  params: ChainParams,
  cache: VerificationCache | undefined
): void {
  const ids = txs.map((tx) => tx.id)
  if (new Set(ids).size !== ids.length) throw new ChainError('DUPLICATE_TRANSACTION', 'a transaction appears twice in the block')
  const duplicate = tree.duplicateOnBranch(parent, ids)
  if (duplicate !== undefined) throw new ChainError('DUPLICATE_TRANSACTION', `transaction ${duplicate.slice(0, 16)}… is already on the chain`)
  for (const tx of txs) {
    if (tx.envelope.timestamp > block.header.timestamp + params.maxFutureDrift) {
      throw new ChainError('BAD_TIMESTAMP', `transaction ${tx.id.slice(0, 16)}… is dated after its block`)
    }
  }
  for (const tx of txs) checkSignature(tx, cache)
}
