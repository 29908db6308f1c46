import type { Unsubscribe } from '@dscs/interface'
import * as Y from 'yjs'
import { FrpStateError } from '../core/errors.js'
import { positiveOption } from '../core/options.js'
import { DEFAULT_MAX_YJS_UPDATE_BYTES } from './constants.js'
import { checkUpdate } from './update-check.js'

export interface YDocReplicaOptions {
  /** Largest remote update applied, in bytes; a larger one fails with YJS_UPDATE_TOO_LARGE. Default 1 MiB. */
  readonly maxUpdateBytes?: number
}

/**
 * The boundary of one Y.Doc with the network: remote updates come in through
 * {@link applyRemote}, checked first, with the replica as their transaction
 * origin; every other transaction is local, and {@link onLocalUpdate} reports
 * its update, so a remote update is never sent back out.
 *
 * Remote updates should reach the doc only through its replica: the replica
 * keeps no pending structs (see {@link applyRemote}), including those another
 * path left.
 */
export class YDocReplica {
  readonly doc: Y.Doc
  readonly #maxUpdateBytes: number
  readonly #localListeners = new Set<(update: Uint8Array) => void>()

  constructor(doc: Y.Doc, options: YDocReplicaOptions = {}) {
    this.doc = doc
    this.#maxUpdateBytes = positiveOption(options.maxUpdateBytes, DEFAULT_MAX_YJS_UPDATE_BYTES, 'maxUpdateBytes')
  }

  /**
   * Applies a remote update as far as the doc can take it now, and returns
   * true when all of it went in. Structs whose history the doc lacks (an
   * update that arrived before one it builds on) are dropped rather than kept
   * pending, and the result is false: fetch the history with a sync. Yjs keeps
   * pending structs unchecked until a later update lets them in, and a forged
   * one then breaks that later, genuine update half-way.
   *
   * Throws a FrpStateError and leaves the doc untouched on bad input:
   * YJS_UPDATE_TOO_LARGE, BAD_YJS_UPDATE. YJS_APPLY_FAILED means Yjs itself
   * threw after the checks passed (an observer of the doc, or input the checks
   * do not catch): the doc may then hold part of the update.
   */
  applyRemote(update: Uint8Array): boolean {
    if (update.length > this.#maxUpdateBytes) {
      throw new FrpStateError('YJS_UPDATE_TOO_LARGE', `update of ${update.length} bytes exceeds the limit of ${this.#maxUpdateBytes}`)
    }
    const starts = checkUpdate(update)
    // Yjs integrates an item it partly holds by splicing it onto what it holds, whatever that is (a forged GC breaks it):
    // trimming the update to what the doc lacks makes every item go through Yjs's full checks instead.
    const missing = starts.some(({ client, clock }) => clock < Y.getState(this.doc.store, client)) ? trimmed(update, this.doc) : update
    const round = this.#quietRound()
    try {
      Y.applyUpdate(this.doc, missing, this)
    } catch (err) {
      dropPending(this.doc)
      throw new FrpStateError('YJS_APPLY_FAILED', `Yjs failed to apply a checked update: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    } finally {
      if (round !== undefined) this.#endQuietRound(round)
    }
    return !dropPending(this.doc)
  }

  /** Calls `listener` with the update of every local transaction (one whose origin is not this replica) that changed the doc. */
  onLocalUpdate(listener: (update: Uint8Array) => void): Unsubscribe {
    if (this.#localListeners.size === 0) this.doc.on('update', this.#onUpdate)
    this.#localListeners.add(listener)
    return () => {
      if (this.#localListeners.delete(listener) && this.#localListeners.size === 0) this.doc.off('update', this.#onUpdate)
    }
  }

  readonly #onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return
    for (const listener of this.#localListeners) listener(update)
  }

  /**
   * Yjs encodes each transaction's update while any 'update' listener
   * exists, and encoding a remote update only for {@link onLocalUpdate} to
   * drop it would add a third to its cost. So when this apply runs a round
   * of transactions of its own and the replica is the doc's only 'update'
   * listener, the listener is taken out for the round (a per-transaction
   * hook deciding it cost as much as it saved); the round's transactions are
   * returned, for {@link #endQuietRound} to report any local one among them.
   */
  #quietRound(): QuietRound | undefined {
    const doc = this.doc
    if (doc._transaction !== null || doc._transactionCleanups.length > 0) return undefined
    const listeners = doc._observers.get('update')
    if (listeners?.size !== 1 || !listeners.has(this.#onUpdate)) return undefined
    doc._observers.delete('update')
    // Yjs adds this round's transactions to this array, and starts a new one for the next round.
    return { transactions: doc._transactionCleanups, listeners }
  }

  #endQuietRound({ transactions, listeners }: QuietRound): void {
    const observers = this.doc._observers
    if (this.#localListeners.size > 0) {
      // Someone may have listened for updates during the round: both listen on.
      const added = observers.get('update')
      if (added === undefined) observers.set('update', listeners)
      else added.add(this.#onUpdate)
    }
    // An observer of the remote change may have edited the doc: one update from where the first such edit began covers them all.
    const local = transactions.find((transaction) => transaction.origin !== this && changedDoc(transaction))
    if (local !== undefined) this.#onUpdate(Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(local.beforeState)), local.origin)
  }
}

/** The transactions of a round applyRemote ran with the replica's 'update' listener out, and that listener set. */
interface QuietRound {
  readonly transactions: readonly Y.Transaction[]
  readonly listeners: Set<unknown>
}

/** Whether a transaction inserted or deleted anything. */
function changedDoc(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true
  for (const [client, clock] of transaction.afterState) if (transaction.beforeState.get(client) !== clock) return true
  return false
}

/** Forgets the structs and deletions Yjs holds back for missing history; true if there were any. */
function dropPending(doc: Y.Doc): boolean {
  const { store } = doc
  if (store.pendingStructs === null && store.pendingDs === null) return false
  store.pendingStructs = null
  store.pendingDs = null
  return true
}

/** The part of a checked update that `doc` lacks. */
function trimmed(update: Uint8Array, doc: Y.Doc): Uint8Array {
  try {
    return Y.diffUpdate(update, Y.encodeStateVector(doc))
  } catch (err) {
    // Unreachable for an update checkUpdate passed, as far as Yjs's readers are known; refused rather than thrown if not.
    throw new FrpStateError('BAD_YJS_UPDATE', `the update cannot be trimmed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}
