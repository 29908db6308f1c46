import type { Store, StoreBatchOp } from '@dscs/interface'
import * as Y from 'yjs'
import { FrpStateError } from '../core/errors.js'
import { positiveOption } from '../core/options.js'
import { DEFAULT_COMPACT_AFTER } from './constants.js'
import { RecordKeys, decodeRecord, encodeRecord } from './record.js'
import { checkUpdate } from './update-check.js'

export interface YUpdateLogOptions {
  /** The state domain of the document. */
  readonly domain: string
  /** The document's name within the domain. */
  readonly name: string
  /** Records in the store above which the log compacts them into one. Default 1 000. */
  readonly compactAfter?: number
}

interface StoredUpdate {
  readonly seq: number
  readonly update: Uint8Array
}

/**
 * A Y.Doc's persistence through the `Store` port. {@link open} restores the
 * doc from its stored records, then every update the doc applies, local or
 * remote, is appended as a record under the next sequence number, in order.
 * An update is acknowledged (durable) once {@link flushed} resolves after it.
 *
 * Crash safety: a record is written whole or not at all, and compaction
 * writes the merged state and deletes the records it replaces in one atomic
 * batch, so a crash at any point leaves a complete, loadable set of records.
 * Records carry a checksum; a damaged one fails {@link open} with
 * CORRUPT_STORE instead of loading wrong content.
 *
 * One log per document and store: two would interleave sequence numbers.
 */
export class YUpdateLog {
  readonly #store: Store
  readonly #doc: Y.Doc
  readonly #keys: RecordKeys
  readonly #compactAfter: number
  /** Sequence numbers of the records in the store, ascending. */
  #seqs: number[]
  #nextSeq: number
  /** Writes run one after another, in the order the doc applied the updates. */
  #tail: Promise<void> = Promise.resolve()
  /** Why the last write failed, while some applied update may be missing from the store. */
  #unwritten: unknown = undefined
  /** Records the store will hold once the queued writes are done, if they succeed: what decides a compaction. */
  #queuedRecords: number

  private constructor(store: Store, doc: Y.Doc, keys: RecordKeys, seqs: number[], compactAfter: number) {
    this.#store = store
    this.#doc = doc
    this.#keys = keys
    this.#seqs = seqs
    this.#nextSeq = (seqs.at(-1) ?? -1) + 1
    this.#queuedRecords = seqs.length
    this.#compactAfter = compactAfter
  }

  /**
   * Restores `doc` from the records of its domain and name in `store`, then
   * records every update it applies. Rejects with CORRUPT_STORE (or a
   * StoreError) before changing the doc if any record is damaged. Content the
   * doc held before (or gained while the records were read) is stored too, as one record.
   */
  static async open(store: Store, doc: Y.Doc, options: YUpdateLogOptions): Promise<YUpdateLog> {
    const keys = new RecordKeys(options.domain, options.name)
    const compactAfter = positiveOption(options.compactAfter, DEFAULT_COMPACT_AFTER, 'compactAfter')
    const stored = await readRecords(store, keys)
    // Measured after the read, so edits made while it ran are stored too.
    const hadContent = doc.store.clients.size > 0
    const log = new YUpdateLog(store, doc, keys, stored.map((record) => record.seq), compactAfter)
    log.#restore(stored)
    doc.on('update', log.#onUpdate)
    if (hadContent) log.#append(Y.encodeStateAsUpdate(doc))
    return log
  }

  /** Records in the store for this document. */
  get records(): number {
    return this.#seqs.length
  }

  /**
   * Resolves once every update applied so far is in the store. Rejects with
   * STORE_WRITE_FAILED while one is missing after a failed write; the next
   * write that succeeds (a new update, or {@link compact}) stores the whole
   * doc and makes them all durable again.
   */
  async flushed(): Promise<void> {
    await this.#tail
    if (this.#unwritten !== undefined) {
      throw new FrpStateError('STORE_WRITE_FAILED', 'an update could not be written to the store', { cause: this.#unwritten })
    }
  }

  /**
   * Replaces every record with one holding the doc's whole state, in one
   * atomic batch. Rejects with STORE_WRITE_FAILED if the batch fails, which
   * leaves the records as they were.
   */
  compact(): Promise<void> {
    this.#queuedRecords = 1
    return this.#enqueue(() => this.#compact())
  }

  /** Stops recording the doc's updates; resolves as {@link flushed} once the writes under way have finished. The store stays open. */
  async close(): Promise<void> {
    this.#doc.off('update', this.#onUpdate)
    await this.flushed()
  }

  readonly #onUpdate = (update: Uint8Array, origin: unknown): void => {
    // The log's own origin marks the restore, whose updates are in the store already.
    if (origin !== this) this.#append(update)
  }

  #restore(stored: readonly StoredUpdate[]): void {
    if (stored.length === 0) return
    try {
      // One transaction: observers hear of the restored state once.
      Y.transact(this.#doc, () => stored.forEach(({ update }) => Y.applyUpdate(this.#doc, update, this)), this, false)
    } catch (err) {
      throw new FrpStateError('YJS_APPLY_FAILED', `Yjs failed to apply a checked stored record: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
  }

  // A failure is kept in #unwritten for flushed() to report.
  #append(update: Uint8Array): void {
    void this.#enqueue(async () => {
      // After a failed write the doc's whole state goes instead: it holds every update the store may lack.
      const value = this.#unwritten === undefined ? update : Y.encodeStateAsUpdate(this.#doc)
      const seq = this.#nextSeq++
      try {
        await this.#store.put(this.#keys.key(seq), encodeRecord(value))
      } catch (err) {
        this.#unwritten = err
        return
      }
      this.#unwritten = undefined
      this.#seqs.push(seq)
    })
    // Queued right behind the append that crosses the threshold, so it runs before later appends and flushed() covers it.
    if (++this.#queuedRecords > this.#compactAfter) {
      // A failed compaction leaves every record in place: the log stays complete, and a later append retries.
      this.compact().catch(() => {})
    }
  }

  async #compact(): Promise<void> {
    const seq = this.#nextSeq++
    const ops: StoreBatchOp[] = [
      { type: 'put', key: this.#keys.key(seq), value: encodeRecord(Y.encodeStateAsUpdate(this.#doc)) },
      ...this.#seqs.map((old): StoreBatchOp => ({ type: 'delete', key: this.#keys.key(old) }))
    ]
    try {
      await this.#store.batch(ops)
    } catch (err) {
      throw new FrpStateError('STORE_WRITE_FAILED', 'compaction failed; the records stay as they were', { cause: err })
    }
    this.#seqs = [seq]
    this.#unwritten = undefined
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(task)
    // A failed task must not stop the ones queued after it.
    this.#tail = run.catch(() => {})
    return run
  }
}

/** Every record of the document, checked in full before any is applied, so a damaged store changes nothing. */
async function readRecords(store: Store, keys: RecordKeys): Promise<StoredUpdate[]> {
  const records: StoredUpdate[] = []
  for await (const [key, value] of store.range(keys.range)) {
    const seq = keys.seqOf(key)
    const update = decodeRecord(value, seq)
    try {
      checkUpdate(update)
    } catch (err) {
      throw new FrpStateError('CORRUPT_STORE', `record ${seq} holds no valid Yjs update`, { cause: err })
    }
    records.push({ seq, update })
  }
  return records
}
