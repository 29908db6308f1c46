import { isDscsError, type CoreEffect, type PeerRef, type ProtocolCore, type TopicReceipt } from '@dscs/interface'
import { LruCache, type Identity, type VerificationCache } from '@dscs/identity'
import { decodeEnvelope, envelopeHash } from '@dscs/wire'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { emptyRoot, sameHash } from '../log/hash.js'
import { leafHash, verifyInclusion } from '../log/index.js'
import { CLIENT_DEFAULTS, COSIGNATURE_KIND, EVIDENCE_KIND, MAX_STATEMENT_BYTES, observerTopic, TREE_HEAD_KIND } from './constants.js'
import { ObserverError, type ObserverErrorCode } from './errors.js'
import {
  consistent,
  forkEvidence,
  inconsistentEvidence,
  omissionEvidence,
  openEvidence,
  sealEvidence,
  verifyEvidence,
  type Claim,
  type VerifiedEvidence
} from './evidence.js'
import { entryIdOf } from './entry.js'
import { HeadBook } from './head-book.js'
import { decodeObserverMessage, encodeObserverMessage, messageLimits, wrap, type MessageLimits, type ObserverMessage } from './messages.js'
import { positive } from './options.js'
import { verifyReceipt, type VerifiedReceipt } from './receipts.js'
import { ConsistencyKind, CosignatureKind, keyId, open, seal, TreeHeadKind, type Signed, type TreeHead } from './statements.js'

/** Which observer a client watches. */
export interface ObserverRef {
  /** The observer's Ed25519 key: every statement it signs is checked against it. */
  readonly publicKey: Uint8Array
  /** The observer's peer, where submissions and requests go. */
  readonly peer: PeerRef
}

/** Witnesses a client relies on: a head counts as trusted once `threshold` of them cosigned it. */
export interface WitnessPolicy {
  readonly keys: readonly Uint8Array[]
  readonly threshold: number
}

/** Options of a client (or a witness); every one but the observer has a default. */
export interface ClientOptions {
  readonly observer: ObserverRef
  /** Witnesses whose cosignatures a head needs before entries under it count as included. Default none: every head this client verifies is trusted. */
  readonly witnesses?: WitnessPolicy
  /** Cosign every head this node verified, as a witness: publish a Cosignature on the observer's topic. Default false. */
  readonly cosign?: boolean
  /** How long a request waits for its answer, ms. Default 10 000. */
  readonly requestTimeout?: number
  /** Ask the observer for its head when no head arrived for this long, ms. Default 15 000. */
  readonly pollInterval?: number
  /** Most requests awaiting answers. Default 256. */
  readonly maxOutstanding?: number
  /** Most receipts awaiting inclusion. Default 100 000. */
  readonly maxReceipts?: number
  /** Most entry ids watched for inclusion (the trust policy's pending ops). Default 10 000. */
  readonly maxWatched?: number
  /** Most included entry ids remembered. Default 100 000. */
  readonly maxIncluded?: number
  /** Most heads awaiting a consistency check. Default 16. */
  readonly maxPendingHeads?: number
  /** Most tree sizes remembered with their roots, to catch a second root for one. Default 1 024. */
  readonly maxStatements?: number
  /** Most (size, root) pairs whose cosignatures are counted. Default 1 024. */
  readonly maxCosigned?: number
  /** Most a head's timestamp may lead this node's clock, ms. Default 60 000. */
  readonly maxFutureDrift?: number
  /** Largest entry accepted in an answer. Default 65 536. */
  readonly maxEntryBytes?: number
  /** Most entries in one Entries answer. Default 256. */
  readonly maxRangeEntries?: number
  /** Largest direct message, either way. Default 1 MiB + 16 KiB. */
  readonly maxMessageBytes?: number
}

export interface ClientCoreOptions extends ClientOptions {
  /** This node's identity: it signs the evidence it reports and, as a witness, its cosignatures. */
  readonly identity: Identity
  readonly verificationCache?: VerificationCache
}

/** Where evidence came from: this node caught the observer, or a peer's report was checked. */
export type EvidenceSource = { readonly detected: true } | { readonly detected: false; readonly from: PeerRef }

/** What the client core reports. */
export type ClientEvent =
  /** The answer to submit `request`: a receipt that checked out. */
  | { readonly type: 'receipt'; readonly request: number; readonly receipt: VerifiedReceipt }
  /** Request `request` (a submit or an entries read) failed. */
  | { readonly type: 'refused'; readonly request: number; readonly error: ObserverError }
  /** The answer to entries read `request`. */
  | { readonly type: 'entries'; readonly request: number; readonly start: number; readonly entries: readonly Uint8Array[] }
  /** A tree head was verified consistent with every head before it; `trusted` once it also has the cosignatures required. */
  | { readonly type: 'head'; readonly head: Signed<TreeHead>; readonly trusted: boolean }
  /** Entry `id` (hex) is at `index`, proven under the trusted head of `size`. */
  | { readonly type: 'included'; readonly id: string; readonly index: number; readonly size: number }
  /** The observer showed two histories (`fork`) or signed an inconsistent proof: it is untrusted from now on. */
  | { readonly type: 'equivocation'; readonly evidence: VerifiedEvidence; readonly source: EvidenceSource }
  /** The observer broke a receipt: it is untrusted from now on. */
  | { readonly type: 'omission'; readonly evidence: VerifiedEvidence; readonly source: EvidenceSource }
  /** The observer did not answer a request this node needs to go on (`what`), or answered with a proof that failed. */
  | { readonly type: 'unanswered'; readonly what: 'head' | 'consistency' | 'inclusion'; readonly error: ObserverError }

type Effects = CoreEffect<ClientEvent>[]

/** Heads older than this are not gossiped: the network layer's replay window (30 s by default) would refuse them. */
const MAX_GOSSIP_AGE = 20_000

/** A request awaiting its answer. */
type Outstanding = { readonly deadline: number } & (
  | { readonly kind: 'submit'; readonly entryId: Uint8Array }
  | { readonly kind: 'head' }
  | { readonly kind: 'consistency'; readonly head: Signed<TreeHead>; readonly oldSize: number; readonly newSize: number }
  | { readonly kind: 'inclusion'; readonly id: string; readonly head: Signed<TreeHead>; readonly receipt: VerifiedReceipt | undefined }
  | { readonly kind: 'entries'; readonly start: number; readonly end: number }
)

/** A receipt awaiting its entry's inclusion under a trusted head. */
interface HeldReceipt {
  readonly receipt: VerifiedReceipt
  /** True while an inclusion request for it is out. */
  asking: boolean
}

/**
 * A client of the observer (or a witness), sans I/O. It submits envelopes and
 * checks the receipts; checks every tree head it sees (on the observer's
 * topic, from peers, or asked of the observer) against every other: same size
 * and another root is a fork, and each new head is verified consistent with
 * the latest through a consistency proof the observer signs (so a failed one
 * is evidence too); proves the inclusion of receipted and watched entries
 * under the trusted head; and reports a receipt the observer broke. Evidence
 * it finds or receives (checked standalone) is broadcast and makes the
 * observer untrusted for good: nothing it says is taken after that.
 */
export class ClientCore implements ProtocolCore<ClientEvent> {
  readonly topic: string
  readonly observer: ObserverRef
  readonly limits: MessageLimits
  readonly #identity: Identity
  readonly #cache: VerificationCache | undefined
  readonly #witnesses: ReadonlySet<string> | undefined
  readonly #cosign: boolean
  readonly #timeout: number
  readonly #pollInterval: number
  readonly #maxOutstanding: number
  readonly #maxReceipts: number
  readonly #maxWatched: number
  readonly #maxPendingHeads: number
  readonly #maxFutureDrift: number
  readonly #maxEvidenceBytes: number
  readonly #book: HeadBook
  readonly #outstanding = new Map<number, Outstanding>()
  readonly #receipts = new Map<string, HeldReceipt>()
  /** Watched ids, with the size of the trusted head last asked under (0: not yet). */
  readonly #watched = new Map<string, number>()
  readonly #included: LruCache<string, number>
  /** Heads not yet checked against the latest, by id. */
  readonly #pending = new Map<string, Signed<TreeHead>>()
  readonly #seenHeads = new LruCache<string, true>(4_096)
  readonly #cosigned = new LruCache<string, true>(1_024)
  #verifying = false
  #nextRequest = 1
  #lastHead = -Infinity
  #asking = false
  #evidence: VerifiedEvidence | undefined

  constructor(options: ClientCoreOptions) {
    const d = CLIENT_DEFAULTS
    this.#identity = options.identity
    this.#cache = options.verificationCache
    this.observer = options.observer
    this.topic = observerTopic(options.observer.publicKey)
    const witnesses = options.witnesses
    if (witnesses !== undefined && (!Number.isSafeInteger(witnesses.threshold) || witnesses.threshold < 0 || witnesses.threshold > witnesses.keys.length)) {
      throw new ObserverError('INVALID_OPTION', 'the witness threshold must be between 0 and the number of witness keys')
    }
    this.#witnesses = witnesses === undefined ? undefined : new Set(witnesses.keys.map(keyId))
    this.#cosign = options.cosign ?? false
    this.#timeout = positive(options.requestTimeout, d.requestTimeout, 'requestTimeout')
    this.#pollInterval = positive(options.pollInterval, d.pollInterval, 'pollInterval')
    this.#maxOutstanding = positive(options.maxOutstanding, d.maxOutstanding, 'maxOutstanding')
    this.#maxReceipts = positive(options.maxReceipts, d.maxReceipts, 'maxReceipts')
    this.#maxWatched = positive(options.maxWatched, d.maxWatched, 'maxWatched')
    this.#maxPendingHeads = positive(options.maxPendingHeads, d.maxPendingHeads, 'maxPendingHeads')
    this.#maxFutureDrift = positive(options.maxFutureDrift, d.maxFutureDrift, 'maxFutureDrift')
    this.#included = new LruCache(positive(options.maxIncluded, d.maxIncluded, 'maxIncluded'))
    this.#book = new HeadBook({
      threshold: witnesses?.threshold ?? 0,
      maxStatements: positive(options.maxStatements, d.maxStatements, 'maxStatements'),
      maxCosigned: positive(options.maxCosigned, d.maxCosigned, 'maxCosigned')
    })
    this.limits = messageLimits(options)
    // Evidence carries at most one entry beside a receipt and a head.
    this.#maxEvidenceBytes = this.limits.maxEntryBytes + 4 * MAX_STATEMENT_BYTES
  }

  /** The latest head verified consistent with every head before it. */
  get latest(): Signed<TreeHead> | undefined {
    return this.#book.latest
  }

  /** The latest verified head with the cosignatures required: entries are proven included under it. */
  get trusted(): Signed<TreeHead> | undefined {
    return this.#book.trusted
  }

  /** The evidence that made the observer untrusted, once there is some. */
  get evidence(): VerifiedEvidence | undefined {
    return this.#evidence
  }

  /** The index of entry `id` (hex) if it was proven included under a trusted head. */
  includedAt(id: string): number | undefined {
    return this.#included.get(id)
  }

  /** Whether heads are still being checked: the observer's latest asked for, a consistency proof awaited, or heads waiting for one. */
  get checking(): boolean {
    return this.#evidence === undefined && (this.#asking || this.#verifying || this.#pending.size > 0)
  }

  /**
   * Cross-checks with peers back from a partition, whose clients may have been shown another log: publishes the
   * latest verified head on the topic, for them to check against theirs (a second root for a size is an
   * equivocation; a larger head is checked for consistency), and asks the observer for its latest head. Evidence
   * found earlier is published again instead, since the other side missed it.
   */
  crossCheck(now: number): Effects {
    if (this.#evidence !== undefined) return [{ type: 'publish', topic: this.topic, bytes: sealEvidence(this.#identity, this.#evidence.bytes, now, this.#maxEvidenceBytes) }]
    const effects = this.poll(now)
    const latest = this.#book.latest
    if (latest !== undefined) effects.push({ type: 'publish', topic: this.topic, bytes: latest.bytes })
    return effects
  }

  get stats(): { readonly outstanding: number; readonly receipts: number; readonly watched: number; readonly pendingHeads: number } {
    return { outstanding: this.#outstanding.size, receipts: this.#receipts.size, watched: this.#watched.size, pendingHeads: this.#pending.size }
  }

  /**
   * Submits an encoded signed envelope to the observer. A `receipt` (or
   * `refused`) event with the returned request number follows; the entry is
   * then watched until it is proven included, or the observer is caught
   * breaking the receipt. Throws ObserverError `UNTRUSTED`,
   * `TOO_MANY_REQUESTS` or `MALFORMED` (not an envelope).
   */
  submit(envelope: Uint8Array, now: number): { readonly request: number; readonly id: string; readonly effects: Effects } {
    this.#usable()
    const entryId = wrap(() => envelopeHash(decodeEnvelope(envelope, { maxEnvelopeBytes: this.limits.maxEntryBytes })))
    const effects: Effects = []
    const request = this.#ask({ kind: 'submit', entryId, deadline: now + this.#timeout }, { type: 'submit', request: 0, envelope }, effects)
    return { request, id: bytesToHex(entryId), effects }
  }

  /** Asks the observer for entries `start` to `end` (exclusive); an `entries` (or `refused`) event with the returned number follows. */
  entries(start: number, end: number, now: number): { readonly request: number; readonly effects: Effects } {
    this.#usable()
    const effects: Effects = []
    const request = this.#ask({ kind: 'entries', start, end, deadline: now + this.#timeout }, { type: 'getEntries', request: 0, start, end }, effects)
    return { request, effects }
  }

  /**
   * Watches entry `id` (an envelope hash, hex): it is proven included under
   * each trusted head until it is, then an `included` event follows. Returns
   * false, watching nothing, when it is included already or the observer is
   * untrusted. Past `maxWatched`, the oldest watch is dropped.
   */
  watch(id: string, now: number): { readonly watching: boolean; readonly effects: Effects } {
    if (this.#included.has(id) || this.#evidence !== undefined) return { watching: false, effects: [] }
    if (!this.#watched.has(id)) {
      this.#watched.set(id, 0)
      if (this.#watched.size > this.#maxWatched) this.#watched.delete(this.#watched.keys().next().value!)
    }
    const effects: Effects = []
    this.#askInclusion(id, now, effects)
    return { watching: true, effects }
  }

  /** Stops watching entry `id`. */
  unwatch(id: string): void {
    this.#watched.delete(id)
  }

  /** Asks the observer for its latest head, unless such a request is out. */
  poll(now: number): Effects {
    const effects: Effects = []
    if (!this.#asking && this.#evidence === undefined) {
      this.#asking = true
      this.#ask({ kind: 'head', deadline: now + this.#timeout }, { type: 'getHead', request: 0 }, effects)
    }
    return effects
  }

  /**
   * Takes back a head this node verified in an earlier run (the service keeps
   * the latest in its store): later heads must be consistent with it. Throws
   * ObserverError when the bytes are not a head of the observer.
   */
  restore(bytes: Uint8Array, now: number): Effects {
    const head = open(bytes, TreeHeadKind, { author: this.observer.publicKey, cache: this.#cache })
    const effects: Effects = []
    this.#seenHeads.set(head.id, true)
    this.#book.record(head)
    this.#accepted(head, now, effects)
    return effects
  }

  /** Checks evidence a peer handed over directly (the topic's reports arrive through {@link receiveTopic}); throws ObserverError when it proves nothing. */
  report(evidence: Uint8Array, from: PeerRef, now: number): Effects {
    const verified = this.#verifyEvidence(evidence)
    const effects: Effects = []
    this.#convicted(verified, { detected: false, from }, now, effects, false)
    return effects
  }

  receive(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    const effects: Effects = []
    try {
      if (from !== this.observer.peer) throw new ObserverError('UNEXPECTED_MESSAGE', 'only the observer sends a client direct messages')
      this.#onAnswer(from, decodeObserverMessage(bytes, this.limits), now, effects)
    } catch (err) {
      if (!isDscsError(err)) throw err
      effects.push({ type: 'penalise', peer: from, error: err })
    }
    return effects
  }

  receiveTopic(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<ClientEvent> {
    const effects: Effects = []
    if (topic !== this.topic) return { verdict: 'ignore', effects }
    try {
      const kind = wrap(() => decodeEnvelope(bytes, { maxEnvelopeBytes: this.#maxEvidenceBytes + MAX_STATEMENT_BYTES }).kind)
      if (kind === TREE_HEAD_KIND) return { verdict: this.#onHead(bytes, now, false, effects) ? 'accept' : 'ignore', effects }
      if (kind === COSIGNATURE_KIND) return { verdict: this.#onCosignature(bytes, now, effects), effects }
      if (kind === EVIDENCE_KIND) {
        if (this.#evidence !== undefined) return { verdict: 'ignore', effects }
        this.#convicted(openEvidence(bytes, { observer: this.observer.publicKey, cache: this.#cache, maxBytes: this.#maxEvidenceBytes }), { detected: false, from }, now, effects, false)
        return { verdict: 'accept', effects }
      }
      throw new ObserverError('MALFORMED', `a ${kind} has no place on the observer's topic`)
    } catch (err) {
      if (!isDscsError(err)) throw err
      return { verdict: 'reject', effects }
    }
  }

  /** The observer connected: ask for its head at once. */
  peerConnected(peer: PeerRef, now: number): Effects {
    return peer === this.observer.peer ? this.poll(now) : []
  }

  tick(now: number): Effects {
    const effects: Effects = []
    for (const [request, outstanding] of this.#outstanding) {
      if (outstanding.deadline > now) continue
      this.#outstanding.delete(request)
      this.#failed(request, outstanding, new ObserverError('TIMEOUT', `the observer did not answer a ${outstanding.kind} request within ${this.#timeout} ms`), now, effects)
    }
    if (now >= this.#lastHead + this.#pollInterval) {
      // No head for a while: ask, and count the asking as a sign of life so polls keep their interval.
      this.#lastHead = now
      effects.push(...this.poll(now))
    }
    return effects
  }

  nextDeadline(): number | undefined {
    if (this.#evidence !== undefined) return undefined
    let next = this.#lastHead + this.#pollInterval
    for (const outstanding of this.#outstanding.values()) next = Math.min(next, outstanding.deadline)
    return next
  }

  #usable(): void {
    if (this.#evidence !== undefined) throw new ObserverError('UNTRUSTED', `the observer was caught (${this.#evidence.kind}): it is not used any more`)
  }

  /** Sends `message` under a fresh request number, remembered until its answer or deadline. */
  #ask(outstanding: Outstanding, message: ObserverMessage, effects: Effects): number {
    if (this.#outstanding.size >= this.#maxOutstanding) throw new ObserverError('TOO_MANY_REQUESTS', `${this.#outstanding.size} requests await answers, the most allowed`)
    const request = this.#nextRequest++
    this.#outstanding.set(request, outstanding)
    effects.push({ type: 'send', to: this.observer.peer, bytes: encodeObserverMessage({ ...message, request }) })
    return request
  }

  #onAnswer(from: PeerRef, message: ObserverMessage, now: number, effects: Effects): void {
    const outstanding = this.#outstanding.get(message.request)
    // An answer to nothing asked: late, after its timeout; dropped without blame.
    if (outstanding === undefined) return
    this.#outstanding.delete(message.request)
    try {
      if (message.type === 'refusal') throw refusalError(message.code, message.reason)
      this.#answered(message, outstanding, now, effects)
    } catch (err) {
      if (!(err instanceof ObserverError)) throw err
      this.#failed(message.request, outstanding, err, now, effects)
      if (message.type !== 'refusal') effects.push({ type: 'penalise', peer: from, error: err })
    }
  }

  #answered(message: ObserverMessage, outstanding: Outstanding, now: number, effects: Effects): void {
    if (outstanding.kind === 'submit' && message.type === 'submitted') {
      const receipt = verifyReceipt(message.receipt, this.observer.publicKey, this.#cache)
      if (!sameHash(receipt.entryId, outstanding.entryId)) throw new ObserverError('BAD_RECEIPT', 'a receipt for another entry')
      this.#hold(receipt)
      effects.push({ type: 'emit', event: { type: 'receipt', request: message.request, receipt } })
      this.#askInclusion(bytesToHex(receipt.entryId), now, effects)
    } else if (outstanding.kind === 'head' && message.type === 'head') {
      this.#asking = false
      this.#onHead(message.head, now, true, effects)
    } else if (outstanding.kind === 'consistency' && message.type === 'consistency') {
      this.#onConsistency(message.consistency, outstanding, now, effects)
    } else if (outstanding.kind === 'inclusion' && message.type === 'inclusion') {
      this.#onInclusion(message, outstanding, now, effects)
    } else if (outstanding.kind === 'entries' && message.type === 'entries') {
      if (message.start !== outstanding.start || message.entries.length > outstanding.end - outstanding.start) throw new ObserverError('BAD_PROOF', 'entries other than those asked for')
      effects.push({ type: 'emit', event: { type: 'entries', request: message.request, start: message.start, entries: message.entries } })
    } else {
      throw new ObserverError('UNEXPECTED_MESSAGE', `a ${message.type} answering a ${outstanding.kind} request`)
    }
  }

  /** A request failed (refused, timed out, or answered with something that did not check out). */
  #failed(request: number, outstanding: Outstanding, error: ObserverError, now: number, effects: Effects): void {
    switch (outstanding.kind) {
      case 'submit':
      case 'entries':
        effects.push({ type: 'emit', event: { type: 'refused', request, error } })
        return
      case 'head':
        this.#asking = false
        effects.push({ type: 'emit', event: { type: 'unanswered', what: 'head', error } })
        return
      case 'consistency':
        // The head stays unverified; a later head starts a new check.
        this.#verifying = false
        effects.push({ type: 'emit', event: { type: 'unanswered', what: 'consistency', error } })
        this.#verifyNext(now, effects)
        return
      case 'inclusion':
        if (outstanding.receipt !== undefined) {
          const held = this.#receipts.get(outstanding.id)
          if (held !== undefined) held.asking = false
        } else if (error.code !== 'NOT_FOUND' && this.#watched.has(outstanding.id)) {
          // Asked again under the next trusted head; "not in the log (yet)" already holds for this one.
          this.#watched.set(outstanding.id, 0)
        }
        // Not in the log (yet) is an answer, not a failure.
        if (error.code !== 'NOT_FOUND') effects.push({ type: 'emit', event: { type: 'unanswered', what: 'inclusion', error } })
    }
  }

  /**
   * A signed head from the topic (`direct` false) or the observer's answer:
   * checked, compared with every statement of the same size, then queued for
   * a consistency check. Returns true when it was new and valid (relay it).
   */
  #onHead(bytes: Uint8Array, now: number, direct: boolean, effects: Effects): boolean {
    const head = open(bytes, TreeHeadKind, { author: this.observer.publicKey, cache: this.#cache })
    if (this.#seenHeads.has(head.id)) return false
    if (head.timestamp > now + this.#maxFutureDrift) throw new ObserverError('OUTSIDE_WINDOW', `a head dated ${head.timestamp - now} ms ahead of this node's clock`)
    if (head.value.size === 0 && !sameHash(head.value.root, emptyRoot())) throw new ObserverError('MALFORMED', 'an empty tree head whose root is not the hash of nothing')
    this.#seenHeads.set(head.id, true)
    this.#lastHead = now
    // Gossip: a head the observer handed this node alone reaches every peer, so a split view meets its other half
    // (unless it is too old for their replay windows: then the observer's next head will do).
    if (direct && now - head.timestamp < MAX_GOSSIP_AGE) effects.push({ type: 'publish', topic: this.topic, bytes })
    if (this.#evidence !== undefined) return true
    if (this.#caughtForking(head, now, effects)) return true
    const latest = this.#book.latest
    if (latest === undefined || head.value.size === latest.value.size || head.value.size === 0) {
      // The first head is taken on trust; one of the latest size has its root (or it would be a fork); the empty tree is a prefix of every tree.
      this.#accepted(head, now, effects)
      return true
    }
    this.#pending.set(head.id, head)
    if (this.#pending.size > this.#maxPendingHeads) {
      // Keep the largest heads: verifying them covers the smaller ones' entries.
      const smallest = [...this.#pending.values()].reduce((a, b) => (a.value.size <= b.value.size ? a : b))
      this.#pending.delete(smallest.id)
    }
    this.#verifyNext(now, effects)
    return true
  }

  /** Starts the consistency check of the largest pending head against the latest: one at a time, so each is checked against the latest there is. */
  #verifyNext(now: number, effects: Effects): void {
    const latest = this.#book.latest
    if (this.#verifying || this.#pending.size === 0 || latest === undefined || this.#evidence !== undefined) return
    const head = [...this.#pending.values()].reduce((a, b) => (a.value.size >= b.value.size ? a : b))
    this.#pending.delete(head.id)
    const [oldSize, newSize] = head.value.size > latest.value.size ? [latest.value.size, head.value.size] : [head.value.size, latest.value.size]
    if (oldSize === 0) {
      this.#accepted(head, now, effects)
      this.#verifyNext(now, effects)
      return
    }
    try {
      this.#ask({ kind: 'consistency', head, oldSize, newSize, deadline: now + this.#timeout }, { type: 'getConsistency', request: 0, oldSize, newSize }, effects)
      this.#verifying = true
    } catch (err) {
      // No room for the request now: the head waits for the next chance.
      if (!(err instanceof ObserverError)) throw err
      this.#pending.set(head.id, head)
    }
  }

  /** The observer's signed consistency statement for a pending head: a fork, an inconsistency, or the head verified. */
  #onConsistency(bytes: Uint8Array, asked: Extract<Outstanding, { kind: 'consistency' }>, now: number, effects: Effects): void {
    this.#verifying = false
    const statement = open(bytes, ConsistencyKind, { author: this.observer.publicKey, cache: this.#cache })
    const { oldSize, newSize } = statement.value
    if (oldSize !== asked.oldSize || newSize !== asked.newSize) throw new ObserverError('BAD_PROOF', `a consistency proof from ${oldSize} to ${newSize}, not the one asked for`)
    // Its roots are claims of the observer like a head's: another root for a size it signed before is a fork.
    if (this.#caughtForking(statement, now, effects)) return
    if (!consistent(statement.value)) {
      this.#convicted(this.#verifyEvidence(inconsistentEvidence(statement)), { detected: true }, now, effects, true)
      return
    }
    this.#accepted(asked.head, now, effects)
    this.#verifyNext(now, effects)
  }

  /** Records a statement's claims; on a second root for a size, convicts the observer. Returns true when it did. */
  #caughtForking(statement: Claim, now: number, effects: Effects): boolean {
    const conflict = this.#book.record(statement)
    if (conflict === undefined) return false
    this.#convicted(this.#verifyEvidence(forkEvidence(conflict.first, conflict.second)), { detected: true }, now, effects, true)
    return true
  }

  /** A head verified consistent with the latest: it may be the new latest and trusted; witnesses cosign it. */
  #accepted(head: Signed<TreeHead>, now: number, effects: Effects): void {
    const trustedMoved = this.#book.verified(head)
    effects.push({ type: 'emit', event: { type: 'head', head, trusted: this.#book.trusted === head } })
    if (this.#cosign) this.#cosignHead(head.value, now, effects)
    if (trustedMoved) this.#checkInclusions(now, effects)
    this.#checkOmissions(now, effects)
  }

  #cosignHead(head: TreeHead, now: number, effects: Effects): void {
    const key = `${head.size}:${bytesToHex(head.root)}`
    if (this.#cosigned.has(key)) return
    this.#cosigned.set(key, true)
    const cosignature = seal(this.#identity, CosignatureKind, { observer: this.observer.publicKey, size: head.size, root: head.root }, now)
    effects.push({ type: 'publish', topic: this.topic, bytes: cosignature.bytes })
  }

  #onCosignature(bytes: Uint8Array, now: number, effects: Effects): 'accept' | 'ignore' {
    // A cosignature of a witness this node does not rely on is none of its business, and not relayed.
    if (this.#witnesses === undefined) return 'ignore'
    const cosignature = open(bytes, CosignatureKind, { authors: this.#witnesses, cache: this.#cache })
    if (!sameHash(cosignature.value.observer, this.observer.publicKey)) return 'ignore'
    if (this.#book.cosigned(keyId(cosignature.author), cosignature.value)) {
      const trusted = this.#book.trusted!
      effects.push({ type: 'emit', event: { type: 'head', head: trusted, trusted: true } })
      this.#checkInclusions(now, effects)
    }
    return 'accept'
  }

  /** Keeps a verified receipt until its entry is proven included (bounded: the oldest goes). */
  #hold(receipt: VerifiedReceipt): void {
    const id = bytesToHex(receipt.entryId)
    if (this.#included.has(id)) return
    this.#receipts.set(id, { receipt, asking: false })
    if (this.#receipts.size > this.#maxReceipts) this.#receipts.delete(this.#receipts.keys().next().value!)
  }

  /** Asks for the inclusion proof of every receipted entry the trusted head covers, and every watched one not yet asked under it. */
  #checkInclusions(now: number, effects: Effects): void {
    for (const id of this.#receipts.keys()) if (!this.#askInclusion(id, now, effects)) return
    for (const id of this.#watched.keys()) if (!this.#askInclusion(id, now, effects)) return
  }

  /**
   * Asks for the inclusion proof of entry `id` under the trusted head, if it
   * is due one: a receipted entry the head covers, by index; a watched one not
   * asked under this head yet, by id. Returns false when no request may go out now.
   */
  #askInclusion(id: string, now: number, effects: Effects): boolean {
    const trusted = this.#book.trusted
    // Half the requests stay free for heads, proofs and the application's own.
    if (trusted === undefined || this.#evidence !== undefined || this.#outstanding.size >= this.#maxOutstanding / 2) return false
    const size = trusted.value.size
    const held = this.#receipts.get(id)
    if (held !== undefined) {
      if (held.asking || held.receipt.index >= size) return true
      held.asking = true
      const outstanding: Outstanding = { kind: 'inclusion', id, head: trusted, receipt: held.receipt, deadline: now + this.#timeout }
      this.#ask(outstanding, { type: 'getInclusion', request: 0, treeSize: size, entry: { index: held.receipt.index } }, effects)
      return true
    }
    const askedAt = this.#watched.get(id)
    if (askedAt === undefined || askedAt >= size) return true
    this.#watched.set(id, size)
    const outstanding: Outstanding = { kind: 'inclusion', id, head: trusted, receipt: undefined, deadline: now + this.#timeout }
    this.#ask(outstanding, { type: 'getInclusion', request: 0, treeSize: size, entry: { id: hexToBytes(id) } }, effects)
    return true
  }

  /** An inclusion proof under the trusted head it was asked under: the entry is included, or (for a receipt) another entry took its index. */
  #onInclusion(message: Extract<ObserverMessage, { type: 'inclusion' }>, asked: Extract<Outstanding, { kind: 'inclusion' }>, now: number, effects: Effects): void {
    const { head, receipt, id } = asked
    const expectedIndex = receipt?.index ?? message.index
    if (message.treeSize !== head.value.size || message.index !== expectedIndex) throw new ObserverError('BAD_PROOF', 'an inclusion proof for another entry or tree')
    if (!verifyInclusion(leafHash(message.entry), message.index, head.value.size, message.path, head.value.root)) {
      throw new ObserverError('BAD_PROOF', `the inclusion proof of entry ${message.index} does not lead to the head's root`)
    }
    const entryId = entryIdOf(message.entry)
    const matches = entryId !== undefined && bytesToHex(entryId) === id
    if (!matches && receipt !== undefined) {
      // The head holds another entry where the receipt put this one: the observer broke its receipt.
      const evidence = omissionEvidence(receipt.fields, head, { entry: message.entry, path: message.path })
      this.#convicted(this.#verifyEvidence(evidence), { detected: true }, now, effects, true)
      return
    }
    if (!matches) throw new ObserverError('BAD_PROOF', 'the entry proven is not the one asked for')
    this.#receipts.delete(id)
    this.#watched.delete(id)
    this.#included.set(id, message.index)
    effects.push({ type: 'emit', event: { type: 'included', id, index: message.index, size: head.value.size } })
  }

  /** A receipt whose deadline passed under a head signed after it that is too small to hold the entry: evidence of omission. */
  #checkOmissions(now: number, effects: Effects): void {
    const latest = this.#book.latest
    if (latest === undefined) return
    for (const { receipt } of this.#receipts.values()) {
      if (receipt.deadline >= now || latest.timestamp <= receipt.deadline || latest.value.size > receipt.index) continue
      this.#convicted(this.#verifyEvidence(omissionEvidence(receipt.fields, latest)), { detected: true }, now, effects, true)
      return
    }
  }

  /** Checks evidence as any peer will: this node broadcasts nothing it could not prove. */
  #verifyEvidence(bytes: Uint8Array): VerifiedEvidence {
    return verifyEvidence(bytes, { observer: this.observer.publicKey, cache: this.#cache, maxBytes: this.#maxEvidenceBytes })
  }

  /** The observer is caught: untrusted from now on, the evidence reported, and broadcast when this node found it. */
  #convicted(evidence: VerifiedEvidence, source: EvidenceSource, now: number, effects: Effects, broadcast: boolean): void {
    if (this.#evidence !== undefined) return
    this.#evidence = evidence
    this.#pending.clear()
    // Nothing more is asked of the observer: what waits on it fails now.
    for (const [request, outstanding] of this.#outstanding) {
      if (outstanding.kind === 'submit' || outstanding.kind === 'entries') {
        effects.push({ type: 'emit', event: { type: 'refused', request, error: new ObserverError('UNTRUSTED', `the observer was caught (${evidence.kind})`) } })
      }
    }
    this.#outstanding.clear()
    if (broadcast) effects.push({ type: 'publish', topic: this.topic, bytes: sealEvidence(this.#identity, evidence.bytes, now, this.#maxEvidenceBytes) })
    const type = evidence.kind === 'omission' ? 'omission' : 'equivocation'
    effects.push({ type: 'emit', event: { type, evidence, source } })
  }
}

const KNOWN_REFUSALS = new Set<string>(['QUEUE_FULL', 'BUSY', 'NOT_FOUND', 'OUT_OF_RANGE', 'STORE_FAILED', 'NOT_ALLOWED', 'KIND_NOT_ALLOWED', 'OUTSIDE_WINDOW', 'BAD_SIGNATURE', 'MALFORMED', 'TOO_LARGE', 'UNEXPECTED_MESSAGE', 'LOG_MISMATCH'])

/** The observer's refusal as an error of this package: its code when known, else `REFUSED`. */
function refusalError(code: string, reason: string): ObserverError {
  return new ObserverError(KNOWN_REFUSALS.has(code) ? (code as ObserverErrorCode) : 'REFUSED', `the observer refused: ${code}: ${reason}`)
}

