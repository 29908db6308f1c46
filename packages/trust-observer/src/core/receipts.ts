import type { VerificationCache } from '@dscs/identity'
import type { Identity } from '@dscs/identity'
import { inclusionProof, leafHash, nodeHash, rootAt, verifyInclusion } from '../log/index.js'
import { sameHash } from '../log/hash.js'
import { ObserverError } from './errors.js'
import type { ReceiptFields } from './messages.js'
import { open, ReceiptBatchKind, seal, type ReceiptBatch, type Signed } from './statements.js'

/**
 * The Merkle tree of one batch's entry ids (each id a leaf), every perfect
 * subtree hash kept, so the audit path of each of its entries costs no
 * hashing: one signature answers the whole batch.
 */
export class BatchTree {
  /** levels[l][i]: the hash of the perfect subtree of 2^l leaves from i·2^l. */
  readonly #levels: Uint8Array[][]
  readonly count: number
  readonly root: Uint8Array

  constructor(ids: readonly Uint8Array[]) {
    this.count = ids.length
    const levels: Uint8Array[][] = [ids.map(leafHash)]
    for (let below = levels[0]!; below.length > 1; ) {
      const level: Uint8Array[] = []
      for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i]!, below[i + 1]!))
      levels.push(level)
      below = level
    }
    this.#levels = levels
    this.root = rootAt(this.count, this.#source)
  }

  /** The audit path of the leaf at `position` (RFC 9162 §2.1.3). */
  path(position: number): Uint8Array[] {
    return inclusionProof(position, this.count, this.#source)
  }

  readonly #source = ({ level, index }: { level: number; index: number }): Uint8Array => this.#levels[level]![index]!
}

/** A batch the observer committed: its signed statement and the tree its receipts' paths come from. */
export interface CommittedBatch {
  readonly statement: Signed<ReceiptBatch>
  readonly tree: BatchTree
  readonly ids: readonly Uint8Array[]
}

/** Signs the receipt of a committed batch: entries `start` … `start + ids.length - 1`, promised by `deadline`. */
export function sealBatch(identity: Identity, start: number, ids: readonly Uint8Array[], deadline: number, now: number): CommittedBatch {
  const tree = new BatchTree(ids)
  const statement = seal(identity, ReceiptBatchKind, { start, count: ids.length, root: tree.root, deadline }, now)
  return { statement, tree, ids }
}

/** The receipt of the entry at `position` in `batch`. */
export function receiptOf(batch: CommittedBatch, position: number): ReceiptFields {
  return { batch: batch.statement.bytes, entryId: batch.ids[position]!, index: batch.statement.value.start + position, path: batch.tree.path(position) }
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
