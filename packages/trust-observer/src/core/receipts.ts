import type { VerificationCache } from '@dscs/identity'
import type { Identity } from '@dscs/identity'
import { leafHash, verifyInclusion } from '../log/index.js'
import { HASH_BYTES, pairHash, sameHash } from '../log/hash.js'
import { ObserverError } from './errors.js'
import type { ReceiptFields } from './messages.js'
import { open, ReceiptBatchKind, seal, type ReceiptBatch, type Signed } from './statements.js'

/**
 * The Merkle tree of one batch's entry ids (each id a leaf), every node kept,
 * so the audit path of each of its entries costs no hashing: one signature
 * answers the whole batch. Built bottom-up, an unpaired last node rising to
 * the level above as it is: the tree RFC 9162 defines, where a node of n
 * leaves splits at the largest power of two below n. Every node lies in one
 * array, level after level: kept for the replay window, a batch of 10 000
 * entries is then one object, not 20 000.
 */
export class BatchTree {
  /** The hashes of every level, leaves first, each level's nodes side by side. */
  readonly #nodes: Uint8Array
  /** Where each level starts in #nodes, and its width, in nodes. */
  readonly #starts: number[] = []
  readonly #widths: number[] = []
  /** By level, the sibling {@link path} last returned, and its view. */
  readonly #lastSibling: number[] = []
  readonly #lastView: Uint8Array[] = []
  readonly count: number
  readonly root: Uint8Array

  /** The tree of `ids`: entry ids of 32 bytes side by side. */
  constructor(ids: Uint8Array) {
    if (ids.length === 0 || ids.length % HASH_BYTES !== 0) throw new ObserverError('INVALID_OPTION', 'a batch holds at least one entry id of 32 bytes, and whole ones')
    this.count = ids.length / HASH_BYTES
    let total = 0
    for (let width = this.count; ; width = Math.ceil(width / 2)) {
      this.#starts.push(total)
      this.#widths.push(width)
      total += width
      if (width === 1) break
    }
    const nodes = new Uint8Array(total * HASH_BYTES)
    for (let at = 0; at < ids.length; at += HASH_BYTES) nodes.set(leafHash(ids.subarray(at, at + HASH_BYTES)), at)
    for (let level = 1; level < this.#widths.length; level++) {
      const below = this.#starts[level - 1]!
      const width = this.#widths[level - 1]!
      const at = this.#starts[level]!
      for (let i = 0; i + 1 < width; i += 2) nodes.set(pairHash(nodes, (below + i) * HASH_BYTES), (at + i / 2) * HASH_BYTES)
      if (width % 2 === 1) nodes.copyWithin((at + (width - 1) / 2) * HASH_BYTES, (below + width - 1) * HASH_BYTES, (below + width) * HASH_BYTES)
    }
    this.#nodes = nodes
    this.root = nodes.slice((total - 1) * HASH_BYTES)
  }

  /**
   * The audit path of the leaf at `position` (RFC 9162 §2.1.3): each level's
   * sibling, where it has one. Paths asked for in order share their upper
   * hashes: the view of each level's last sibling is kept and handed out
   * again, so a whole batch's receipts make about two views an entry, not one
   * a level.
   */
  path(position: number): Uint8Array[] {
    const path: Uint8Array[] = []
    let index = position
    for (let level = 0; level < this.#widths.length - 1; level++) {
      const sibling = index ^ 1
      if (sibling < this.#widths[level]!) {
        if (this.#lastSibling[level] !== sibling) {
          const at = (this.#starts[level]! + sibling) * HASH_BYTES
          this.#lastSibling[level] = sibling
          this.#lastView[level] = this.#nodes.subarray(at, at + HASH_BYTES)
        }
        path.push(this.#lastView[level]!)
      }
      index >>= 1
    }
    return path
  }
}

/** A batch the observer committed: its signed statement and the tree its receipts' paths come from. */
export interface CommittedBatch {
  readonly statement: Signed<ReceiptBatch>
  readonly tree: BatchTree
  /** The batch's entry ids, 32 bytes each, side by side. */
  readonly ids: Uint8Array
}

/** Signs the receipt of a committed batch: entries `start` … of the ids in `ids` (32 bytes each, side by side), promised by `deadline`. */
export function sealBatch(identity: Identity, start: number, ids: Uint8Array, deadline: number, now: number): CommittedBatch {
  const tree = new BatchTree(ids)
  const statement = seal(identity, ReceiptBatchKind, { start, count: tree.count, root: tree.root, deadline }, now)
  return { statement, tree, ids }
}

/** The receipt of the entry at `position` in `batch`. */
export function receiptOf(batch: CommittedBatch, position: number): ReceiptFields {
  return { batch: batch.statement.bytes, entryId: batch.ids.subarray(position * HASH_BYTES, (position + 1) * HASH_BYTES), index: batch.statement.value.start + position, path: batch.tree.path(position) }
}

/** A receipt that checked out: entry `entryId` is at `index` of the observer's log, and a head holding it is due by `deadline`. */
export interface VerifiedReceipt {
  readonly entryId: Uint8Array
  readonly index: number
  readonly deadline: number
  /** When the observer signed it. */
  readonly timestamp: number
  readonly fields: ReceiptFields
}

/**
 * Checks a receipt against the observer's key: the batch statement (kind,
 * author, shape, signature), the index within the batch, and the entry id's
 * audit path to the batch root. Throws ObserverError (`BAD_RECEIPT` for a
 * receipt whose parts do not fit together).
 */
export function verifyReceipt(fields: ReceiptFields, observer: Uint8Array, cache?: VerificationCache): VerifiedReceipt {
  const batch = open(fields.batch, ReceiptBatchKind, { author: observer, cache })
  const { start, count, root, deadline } = batch.value
  const position = fields.index - start
  if (position < 0 || position >= count) throw new ObserverError('BAD_RECEIPT', `index ${fields.index} is outside its batch of ${count} from ${start}`)
  if (!verifyInclusion(leafHash(fields.entryId), position, count, fields.path, root)) {
    throw new ObserverError('BAD_RECEIPT', `the receipt's path does not lead from its entry to its batch root`)
  }
  return { entryId: fields.entryId, index: fields.index, deadline, timestamp: batch.timestamp, fields }
}

/** True when the receipt is for `entryId`. */
export function receiptIsFor(receipt: VerifiedReceipt, entryId: Uint8Array): boolean {
  return sameHash(receipt.entryId, entryId)
}
