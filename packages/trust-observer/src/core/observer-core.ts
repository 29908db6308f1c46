import { isDscsError, type CoreEffect, type PeerRef, type ProtocolCore } from '@dscs/interface'
import { verify, type Identity, type VerificationCache } from '@dscs/identity'
import { allocBytes, decodeEnvelope, signingBytes, type Envelope } from '@dscs/wire'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { HASH_BYTES, type TreeState } from '../log/index.js'
import { OBSERVER_DEFAULTS, observerTopic } from './constants.js'
import { idHex, submittedId, writeHexBytes } from './entry.js'
import { ObserverError, type ObserverErrorCode } from './errors.js'
import { decodeObserverMessage, encodeObserverMessage, messageLimits, wrap, type MessageLimits, type ObserverMessage, type ReceiptFields } from './messages.js'
import { positive } from './options.js'
import { receiptOf, sealBatch, type CommittedBatch } from './receipts.js'
import { ConsistencyKind, keyId, seal, TreeHeadKind, type Signed, type TreeHead } from './statements.js'
import { RecentSubmissions, type Submission, type Waiter } from './submissions.js'

/** Options of the observer; every one has a default. */
export interface ObserverOptions {
  /** Who may submit: `'open'` (the default) for anyone, or the Ed25519 keys of the authors whose envelopes are logged. */
  readonly allow?: 'open' | readonly Uint8Array[]
  /** The envelope kinds logged; default any. */
  readonly kinds?: readonly string[]
  /** How often a batch of submissions is committed and a tree head signed, ms. Default 100. */
  readonly batchInterval?: number
  /** How often the latest tree head is signed and published again when nothing changed, ms: clients see the observer alive. Default 5 000. */
  readonly republishInterval?: number
  /** A receipt's deadline: how long after its commit a signed head holding the entry is promised, ms. Default 10 000. */
  readonly mergeDelay?: number
  /** Largest submitted envelope, bytes. Default 65 536. */
  readonly maxEntryBytes?: number
  /** Most submissions awaiting commit; one more is refused with `QUEUE_FULL`. Default 100 000. */
  readonly maxQueue?: number
  /** Most bytes of submissions awaiting commit. Default 64 MiB. */
  readonly maxQueueBytes?: number
  /** Most entries committed in one append. Default 10 000. */
  readonly maxBatch?: number
  /** The replay window: an envelope whose timestamp is further from the observer's clock is refused (`OUTSIDE_WINDOW`), ms. Default 60 000. */
  readonly maxClockSkew?: number
  /** Most submissions remembered to answer duplicates with the first receipt. Default 500 000. */
  readonly maxRecent?: number
  /** Most peers waiting for one entry's receipt (the first submitter and its duplicates). Default 4. */
  readonly maxWaitersPerEntry?: number
  /** Most entries in one Entries answer. Default 256. */
  readonly maxRangeEntries?: number
  /**
   * Hand each signature not in the verification cache to the driver (a
   * `verify` event, answered with `verified`) instead of checking it inline,
   * so the driver can check many at once on other threads. Default false; the
   * service turns it on (node:crypto's thread pool).
   */
  readonly parallelVerify?: boolean
  /** Most log reads (proofs, entries) in flight, in all and per peer; one more is refused with `BUSY`. Defaults 64 and 8. */
  readonly maxReads?: number
  readonly maxReadsPerPeer?: number
  /** Largest direct message, either way. Default 1 MiB + 16 KiB. */
  readonly maxMessageBytes?: number
}

export interface ObserverCoreOptions extends ObserverOptions {
  /** The observer's identity: it signs receipts, tree heads and consistency proofs. */
  readonly identity: Identity
  /** What the log holds at start (`log.size`, `log.root()`). */
  readonly state: TreeState
  /** The node's signature verdicts, so an envelope verified elsewhere on the node is not verified again. */
  readonly verificationCache?: VerificationCache
}

/** A signature for the driver to check: the author's key over the envelope's signing bytes; `id` names the entry (its hash, hex). */
export interface SignatureCheck {
  readonly id: string
  readonly author: Uint8Array
  readonly signing: Uint8Array
  readonly signature: Uint8Array
}

/** Entries for the driver to append to the log, after which it calls {@link ObserverCore.committed} (or `appendFailed`). */
export interface PendingBatch {
  /** The index of the first entry. */
  readonly start: number
  readonly entries: readonly Uint8Array[]
}

/** A read of the log a peer asked for, for the driver to carry out and hand back to {@link ObserverCore.answer} (or `readFailed`). */
export type LogRead = { readonly peer: PeerRef; readonly request: number } & (
  | { readonly kind: 'inclusion'; readonly treeSize: number; readonly index: number }
  /** By entry id, not in the replay window: the driver finds its index (in its store), or fails the read with `NOT_FOUND`. */
  | { readonly kind: 'lookup'; readonly treeSize: number; readonly entryId: Uint8Array }
  | { readonly kind: 'consistency'; readonly oldSize: number; readonly newSize: number }
  | { readonly kind: 'entries'; readonly start: number; readonly end: number }
)

/** What the driver read for a {@link LogRead}. */
export type LogReadResult =
  | { readonly kind: 'inclusion'; readonly index: number; readonly entry: Uint8Array; readonly path: readonly Uint8Array[] }
  | { readonly kind: 'consistency'; readonly oldRoot: Uint8Array; readonly newRoot: Uint8Array; readonly path: readonly Uint8Array[] }
  | { readonly kind: 'entries'; readonly entries: readonly Uint8Array[] }

/** What the observer core reports: work for its driver (`append`, `read`) and news for the application. */
export type ObserverEvent =
  /** Check this signature (with `parallelVerify`), then call `verified`. */
  | { readonly type: 'verify'; readonly check: SignatureCheck }
  /** Append these entries to the log, durably, then call `committed`. */
  | { readonly type: 'append'; readonly batch: PendingBatch }
  /** Read the log for a peer, then call `answer`. */
  | { readonly type: 'read'; readonly read: LogRead }
  /** A batch is durable and its receipts are sent; `ids` are the entry ids, by index from `start`. */
  | { readonly type: 'committed'; readonly start: number; readonly count: number; readonly ids: Uint8Array; readonly size: number; readonly root: Uint8Array }
  /** A tree head was signed and published. */
  | { readonly type: 'head'; readonly head: Signed<TreeHead> }
  /** A batch could not be committed; its submitters were refused with `STORE_FAILED`. */
  | { readonly type: 'store-error'; readonly error: ObserverError }

type Effects = CoreEffect<ObserverEvent>[]

// Refusals that are no fault of the asker: no penalty.
const BLAMELESS = new Set<ObserverErrorCode>(['QUEUE_FULL', 'BUSY', 'NOT_FOUND', 'OUT_OF_RANGE', 'STORE_FAILED'])

// A remembered entry's bytes are in the log, not in memory; nobody waits for a committed entry's receipt (a
// duplicate of one gets it at once), so its waiters are this list, never added to.
const NO_BYTES = new Uint8Array(0)
const NO_WAITERS: Waiter[] = []

/** Where an admitted envelope's signing bytes are written; larger ones get an array of their own. */
const SIGNING_SCRATCH = new Uint8Array(4_096)

/** Room an Entries answer keeps for its own fields and framing. */
const ENTRIES_OVERHEAD_BYTES = 1_024

/**
 * The observer, sans I/O: submissions in, checked cheapest first (size,
 * kind, replay window, allow-list, duplicate, queue room, then the
 * signature); batches out, one per `batchInterval`, for the driver to append
 * to the log; receipts out once the driver reports the append durable, one
 * signature per batch; a signed tree head published on the observer's topic
 * after every commit and every `republishInterval`. Proof and entry requests
 * are checked here and read by the driver. Bad input is refused with a typed
 * error and penalised; it never changes the log or the queue.
 */
export class ObserverCore implements ProtocolCore<ObserverEvent> {
  readonly topic: string
  readonly limits: MessageLimits
  readonly #identity: Identity
  readonly #cache: VerificationCache | undefined
  readonly #allowed: ReadonlySet<string> | undefined
  readonly #kinds: ReadonlySet<string> | undefined
  readonly #batchInterval: number
  readonly #republishInterval: number
  readonly #mergeDelay: number
  readonly #maxQueue: number
  readonly #maxQueueBytes: number
  readonly #maxBatch: number
  readonly #skew: number
  readonly #maxWaiters: number
  readonly #maxReads: number
  readonly #maxReadsPerPeer: number
  readonly #recent: RecentSubmissions
  readonly #parallelVerify: boolean
  /** Admitted submissions whose signatures the driver is checking, by id. */
  readonly #checking = new Map<string, Submission>()
  /** Admitted submissions awaiting a batch, in arrival order. */
  #queue: Submission[] = []
  #queueBytes = 0
  /** The batch being appended: one at a time, so indexes follow the log. */
  #inFlight: Submission[] | undefined
  #lastCut = -Infinity
  #state: TreeState
  #head: Signed<TreeHead> | undefined
  #headAt = -Infinity
  #reads = 0
  readonly #readsByPeer = new Map<PeerRef, number>()

  constructor(options: ObserverCoreOptions) {
    const d = OBSERVER_DEFAULTS
    this.#identity = options.identity
    this.#cache = options.verificationCache
    this.#state = options.state
    this.topic = observerTopic(options.identity.publicKey)
    const allow = options.allow ?? 'open'
    this.#allowed = allow === 'open' ? undefined : new Set(allow.map(keyId))
    this.#kinds = options.kinds === undefined ? undefined : new Set(options.kinds)
    this.#batchInterval = positive(options.batchInterval, d.batchInterval, 'batchInterval')
    this.#republishInterval = positive(options.republishInterval, d.republishInterval, 'republishInterval')
    this.#mergeDelay = positive(options.mergeDelay, d.mergeDelay, 'mergeDelay')
    this.#maxQueue = positive(options.maxQueue, d.maxQueue, 'maxQueue')
    this.#maxQueueBytes = positive(options.maxQueueBytes, d.maxQueueBytes, 'maxQueueBytes')
    this.#maxBatch = positive(options.maxBatch, d.maxBatch, 'maxBatch')
    this.#skew = positive(options.maxClockSkew, d.maxClockSkew, 'maxClockSkew')
    this.#maxWaiters = positive(options.maxWaitersPerEntry, d.maxWaitersPerEntry, 'maxWaitersPerEntry')
    this.#maxReads = positive(options.maxReads, d.maxReads, 'maxReads')
    this.#maxReadsPerPeer = positive(options.maxReadsPerPeer, d.maxReadsPerPeer, 'maxReadsPerPeer')
    this.#parallelVerify = options.parallelVerify ?? false
    this.#recent = new RecentSubmissions(positive(options.maxRecent, d.maxRecent, 'maxRecent'), this.#skew)
    this.limits = messageLimits(options)
  }

  /** The committed log: its size and root. */
  get state(): TreeState {
    return this.#state
  }

  /** The latest signed tree head, once one is signed (at the first tick). */
  get head(): Signed<TreeHead> | undefined {
    return this.#head
  }

  get stats(): { readonly queued: number; readonly checking: number; readonly queuedBytes: number; readonly committing: number; readonly recent: number; readonly reads: number } {
    return { queued: this.#queue.length, checking: this.#checking.size, queuedBytes: this.#queueBytes, committing: this.#inFlight?.length ?? 0, recent: this.#recent.size, reads: this.#reads }
  }

  receive(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    const effects: Effects = []
    let message: ObserverMessage
    try {
      message = decodeObserverMessage(bytes, this.limits)
    } catch (err) {
      if (!isDscsError(err)) throw err
      return [{ type: 'penalise', peer: from, error: err }]
    }
    try {
      this.#handle(from, message, now, effects)
    } catch (err) {
      if (!(err instanceof ObserverError)) throw err
      this.#refuse(from, message.request, err, effects)
    }
    return effects
  }

  tick(now: number): Effects {
    const effects: Effects = []
    this.#recent.expire(now)
    if (this.#inFlight === undefined && this.#queue.length > 0 && now >= this.#lastCut + this.#batchInterval) this.#cut(now, effects)
    if (now >= this.#headAt + this.#republishInterval) this.#signHead(now, effects)
    return effects
  }

  nextDeadline(): number | undefined {
    const republish = this.#headAt + this.#republishInterval
    if (this.#inFlight !== undefined || this.#queue.length === 0) return republish
    return Math.min(republish, this.#lastCut + this.#batchInterval)
  }

  /**
   * The driver appended `batch` and the log reports `state`: the entries are
   * durable, so their receipts go out now (one signed ReceiptBatch, a path
   * each), and a head of the new tree is signed and published.
   */
  committed(batch: PendingBatch, state: TreeState, now: number): Effects {
    const submissions = this.#takeInFlight(batch)
    const expected = batch.start + batch.entries.length
    if (state.size !== expected) {
      // A log that lost or invented entries cannot back receipts: refuse the batch rather than sign a lie.
      return this.#fail(submissions, new ObserverError('LOG_MISMATCH', `the log holds ${state.size} entries after an append that should leave ${expected}`))
    }
    this.#state = { size: state.size, root: state.root }
    const effects: Effects = []
    // The batch's ids side by side: what its tree, its receipts and the entry index read.
    const ids = new Uint8Array(submissions.length * HASH_BYTES)
    submissions.forEach((submission, position) => writeHexBytes(submission.hex, ids, position * HASH_BYTES))
    if (submissions.length > 0) {
      const committed: CommittedBatch = sealBatch(this.#identity, batch.start, ids, Math.floor(now) + this.#mergeDelay, now)
      submissions.forEach((submission, position) => {
        submission.index = batch.start + position
        submission.batch = committed
        submission.position = position
        for (const waiter of submission.waiters) this.#send(waiter.peer, { type: 'submitted', request: waiter.request, receipt: receiptOf(committed, position) }, effects)
        // What the replay window keeps of it from now on is its key, its times and where it is: the rest is released.
        submission.waiters = NO_WAITERS
        submission.bytes = NO_BYTES
      })
    }
    effects.push({ type: 'emit', event: { type: 'committed', start: batch.start, count: submissions.length, ids, size: state.size, root: state.root } })
    this.#signHead(now, effects)
    return effects
  }

  /**
   * Remembers entries the log already holds (the service reads the last ones
   * of the replay window back after a restart), so a duplicate of one is
   * answered with a receipt for its index rather than logged twice.
   */
  remember(entries: readonly { readonly id: Uint8Array; readonly index: number; readonly timestamp: number }[], now: number): void {
    for (const { id, index, timestamp } of entries) {
      const hex = idHex(id)
      if (this.#recent.get(hex) !== undefined) continue
      this.#recent.add({ hex, bytes: NO_BYTES, timestamp, arrived: now, waiters: NO_WAITERS, index, batch: undefined, position: 0 })
    }
  }

  /** The driver could not append `batch`: nothing of it was written; its submitters are refused with `STORE_FAILED`. */
  appendFailed(batch: PendingBatch, error: unknown): Effects {
    const reason = error instanceof Error ? error.message : String(error)
    return this.#fail(this.#takeInFlight(batch), new ObserverError('STORE_FAILED', `the log could not commit the entries: ${reason}`, { cause: error }))
  }

  /** The driver read what `read` asked for: the answer goes to the peer (a consistency proof signed first). */
  answer(read: LogRead, result: LogReadResult, now: number): Effects {
    this.#readDone(read.peer)
    const effects: Effects = []
    const { peer, request } = read
    if (result.kind === 'inclusion' && (read.kind === 'inclusion' || read.kind === 'lookup')) {
      this.#send(peer, { type: 'inclusion', request, treeSize: read.treeSize, index: result.index, entry: result.entry, path: result.path }, effects)
    } else if (result.kind === 'consistency' && read.kind === 'consistency') {
      const { oldSize, newSize } = read
      const statement = seal(this.#identity, ConsistencyKind, { oldSize, oldRoot: result.oldRoot, newSize, newRoot: result.newRoot, path: result.path }, now)
      this.#send(peer, { type: 'consistency', request, consistency: statement.bytes }, effects)
    } else if (result.kind === 'entries' && read.kind === 'entries') {
      this.#send(peer, { type: 'entries', request, start: read.start, entries: this.#fitting(result.entries) }, effects)
    }
    return effects
  }

  /** The driver could not read what `read` asked for: the peer is told why (`NOT_FOUND` for an unknown entry id). */
  readFailed(read: LogRead, error: unknown): Effects {
    this.#readDone(read.peer)
    const effects: Effects = []
    const refusal = error instanceof ObserverError ? error : new ObserverError('STORE_FAILED', `the log could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    this.#refuse(read.peer, read.request, refusal, effects)
    return effects
  }

  #handle(from: PeerRef, message: ObserverMessage, now: number, effects: Effects): void {
    switch (message.type) {
      case 'submit':
        this.#submit(from, message.request, message.envelope, now, effects)
        return
      case 'getHead':
        if (this.#head === undefined) this.#signHead(now, effects)
        this.#send(from, { type: 'head', request: message.request, head: this.#head!.bytes }, effects)
        return
      case 'getInclusion': {
        const { treeSize, entry } = message
        this.#checkSize(treeSize, 1)
        if ('index' in entry) {
          if (entry.index >= treeSize) throw new ObserverError('OUT_OF_RANGE', `index ${entry.index} is not in a tree of ${treeSize}`)
          this.#read({ kind: 'inclusion', peer: from, request: message.request, treeSize, index: entry.index }, effects)
          return
        }
        const known = this.#recent.get(idHex(entry.id))?.index ?? -1
        const index = known >= 0 ? known : undefined
        if (index !== undefined && index >= treeSize) throw new ObserverError('OUT_OF_RANGE', `entry ${bytesToHex(entry.id).slice(0, 16)}… is at ${index}, not in a tree of ${treeSize}`)
        const read: LogRead =
          index === undefined
            ? { kind: 'lookup', peer: from, request: message.request, treeSize, entryId: entry.id }
            : { kind: 'inclusion', peer: from, request: message.request, treeSize, index }
        this.#read(read, effects)
        return
      }
      case 'getConsistency': {
        const { oldSize, newSize } = message
        this.#checkSize(newSize, 1)
        if (oldSize < 1 || oldSize > newSize) throw new ObserverError('OUT_OF_RANGE', `no consistency proof from ${oldSize} to ${newSize} entries`)
        this.#read({ kind: 'consistency', peer: from, request: message.request, oldSize, newSize }, effects)
        return
      }
      case 'getEntries': {
        const { start } = message
        const end = Math.min(message.end, start + this.limits.maxRangeEntries, this.#state.size)
        if (start >= end) throw new ObserverError('OUT_OF_RANGE', `no entries from ${start} to ${message.end} in a log of ${this.#state.size}`)
        this.#read({ kind: 'entries', peer: from, request: message.request, start, end }, effects)
        return
      }
      default:
        throw new ObserverError('UNEXPECTED_MESSAGE', `an observer takes no ${message.type} message`)
    }
  }

  #submit(from: PeerRef, request: number, bytes: Uint8Array, now: number, effects: Effects): void {
    const envelope: Envelope = wrap(() => decodeEnvelope(bytes, { maxEnvelopeBytes: this.limits.maxEntryBytes }))
    if (this.#kinds !== undefined && !this.#kinds.has(envelope.kind)) throw new ObserverError('KIND_NOT_ALLOWED', `envelopes of kind ${envelope.kind} are not logged here`)
    if (Math.abs(envelope.timestamp - now) > this.#skew) throw new ObserverError('OUTSIDE_WINDOW', `timestamp ${envelope.timestamp} is more than ${this.#skew} ms from the observer's clock`)
    if (this.#allowed !== undefined && !this.#allowed.has(keyId(envelope.author))) throw new ObserverError('NOT_ALLOWED', 'the author may not submit to this observer')
    // Written in scratch space: they serve to compute the id, and are copied only for a signature still to check.
    const signing = signingBytes(envelope, SIGNING_SCRATCH)
    const id = submittedId(signing, envelope.signature)
    const hex = idHex(id)
    const known = this.#recent.get(hex)
    if (known !== undefined) {
      // A duplicate: the first receipt once there is one; until then it waits with the first.
      if (known.index >= 0) {
        this.#send(from, { type: 'submitted', request, receipt: this.#receiptOf(known, now) }, effects)
      } else if (known.waiters.length < this.#maxWaiters) {
        known.waiters.push({ peer: from, request })
      } else {
        throw new ObserverError('BUSY', `entry ${hex.slice(0, 16)}… already has ${this.#maxWaiters} submitters waiting`)
      }
      return
    }
    if (envelope.timestamp <= this.#recent.floor) throw new ObserverError('OUTSIDE_WINDOW', `timestamp ${envelope.timestamp} is older than the observer can still match duplicates for`)
    const waiting = this.#queue.length + this.#checking.size
    if (waiting >= this.#maxQueue || this.#queueBytes + bytes.length > this.#maxQueueBytes) {
      throw new ObserverError('QUEUE_FULL', `${waiting} submissions (${this.#queueBytes} bytes) await commit, the most allowed`)
    }
    const cached = this.#cache?.get(hex)
    if (cached === false) throw badSignature(hex)
    if (cached === undefined && !this.#parallelVerify) {
      const valid = verify(envelope.author, signing, envelope.signature)
      this.#cache?.set(hex, valid)
      if (!valid) throw badSignature(hex)
    }
    // A copy, so the queue does not keep the message buffer it came in alive; carved from a shared slab (a fresh array each cost more than the rest of admission).
    const copy = allocBytes(bytes.length)
    copy.set(bytes)
    const submission: Submission = { hex, bytes: copy, timestamp: envelope.timestamp, arrived: now, waiters: [{ peer: from, request }], index: -1, batch: undefined, position: 0 }
    this.#queueBytes += submission.bytes.length
    this.#recent.add(submission)
    if (cached === true || !this.#parallelVerify) {
      this.#queue.push(submission)
      return
    }
    // The driver checks the signature, off this thread where it can; meanwhile the entry counts against the queue and its duplicates wait with it.
    this.#checking.set(hex, submission)
    effects.push({ type: 'emit', event: { type: 'verify', check: { id: hex, author: envelope.author, signing: signing.slice(), signature: envelope.signature } } })
  }

  /** The driver checked a signature the core handed it: a valid one's entry joins the queue; a forgery is refused to everyone who sent it. */
  verified(check: SignatureCheck, valid: boolean): Effects {
    const submission = this.#checking.get(check.id)
    if (submission === undefined) return []
    this.#checking.delete(check.id)
    this.#cache?.set(check.id, valid)
    if (valid) {
      this.#queue.push(submission)
      return []
    }
    this.#queueBytes -= submission.bytes.length
    this.#recent.delete(check.id)
    const effects: Effects = []
    for (const waiter of submission.waiters) this.#refuse(waiter.peer, waiter.request, badSignature(check.id), effects)
    return effects
  }

  /** The receipt of a committed entry: from its batch, or from a batch of its own signed now for one remembered from the log. */
  #receiptOf(submission: Submission, now: number): ReceiptFields {
    if (submission.batch === undefined) {
      submission.batch = sealBatch(this.#identity, submission.index, hexToBytes(submission.hex), Math.floor(now) + this.#mergeDelay, now)
      submission.position = 0
    }
    return receiptOf(submission.batch, submission.position)
  }

  /** Takes the next batch off the queue and hands it to the driver to append. */
  #cut(now: number, effects: Effects): void {
    const batch = this.#queue.length <= this.#maxBatch ? this.#queue : this.#queue.slice(0, this.#maxBatch)
    this.#queue = this.#queue.length <= this.#maxBatch ? [] : this.#queue.slice(this.#maxBatch)
    for (const submission of batch) this.#queueBytes -= submission.bytes.length
    this.#inFlight = batch
    this.#lastCut = now
    effects.push({ type: 'emit', event: { type: 'append', batch: { start: this.#state.size, entries: batch.map((s) => s.bytes) } } })
  }

  #takeInFlight(batch: PendingBatch): Submission[] {
    const submissions = this.#inFlight
    if (submissions === undefined || submissions.length !== batch.entries.length || submissions[0]?.bytes !== batch.entries[0]) {
      throw new ObserverError('LOG_MISMATCH', 'the driver reported a batch that is not the one in flight')
    }
    this.#inFlight = undefined
    return submissions
  }

  #fail(submissions: readonly Submission[], error: ObserverError): Effects {
    const effects: Effects = [{ type: 'emit', event: { type: 'store-error', error } }]
    for (const submission of submissions) {
      this.#recent.delete(submission.hex)
      for (const waiter of submission.waiters) this.#refuse(waiter.peer, waiter.request, error, effects)
    }
    return effects
  }

  #signHead(now: number, effects: Effects): void {
    const head = seal(this.#identity, TreeHeadKind, { size: this.#state.size, root: this.#state.root }, now)
    this.#head = head
    this.#headAt = now
    effects.push({ type: 'publish', topic: this.topic, bytes: head.bytes }, { type: 'emit', event: { type: 'head', head } })
  }

  #checkSize(size: number, min: number): void {
    if (size < min || size > this.#state.size) throw new ObserverError('OUT_OF_RANGE', `a tree of ${size} entries; the log holds ${this.#state.size}`)
  }

  #read(read: LogRead, effects: Effects): void {
    const byPeer = this.#readsByPeer.get(read.peer) ?? 0
    if (this.#reads >= this.#maxReads || byPeer >= this.#maxReadsPerPeer) throw new ObserverError('BUSY', 'too many reads in flight')
    this.#reads++
    this.#readsByPeer.set(read.peer, byPeer + 1)
    effects.push({ type: 'emit', event: { type: 'read', read } })
  }

  #readDone(peer: PeerRef): void {
    this.#reads--
    const left = (this.#readsByPeer.get(peer) ?? 1) - 1
    if (left > 0) this.#readsByPeer.set(peer, left)
    else this.#readsByPeer.delete(peer)
  }

  /** As many of `entries` as fit one message. */
  #fitting(entries: readonly Uint8Array[]): Uint8Array[] {
    const out: Uint8Array[] = []
    let bytes = ENTRIES_OVERHEAD_BYTES
    for (const entry of entries) {
      bytes += entry.length + 8
      if (bytes > this.limits.maxMessageBytes) break
      out.push(entry)
    }
    return out
  }

  #send(to: PeerRef, message: ObserverMessage, effects: Effects): void {
    effects.push({ type: 'send', to, bytes: encodeObserverMessage(message) })
  }

  #refuse(peer: PeerRef, request: number, error: ObserverError, effects: Effects): void {
    this.#send(peer, { type: 'refusal', request, code: error.code, reason: error.message.slice(0, 256) }, effects)
    if (!BLAMELESS.has(error.code)) effects.push({ type: 'penalise', peer, error })
  }
}

function badSignature(id: string): ObserverError {
  return new ObserverError('BAD_SIGNATURE', `envelope ${id.slice(0, 16)}… is not signed by its author`)
}
