import { isDscsError, type CoreEffect, type DscsError, type PeerRef, type ProtocolCore, type ProtocolId, type TopicReceipt } from '@dscs/interface'
import { ReplayGuard, openMessage, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, decodePayload, encodeEnvelope, encodePayload, type Envelope, type PayloadKind } from '@dscs/wire'
import type * as Y from 'yjs'
import { checkDomain } from '../core/constants.js'
import { FrpStateError } from '../core/errors.js'
import { positiveOption } from '../core/options.js'
import {
  DEFAULT_MAX_YJS_DOCS,
  DEFAULT_MAX_YJS_ENVELOPE_BYTES,
  DEFAULT_YJS_MAX_CLOCK_SKEW,
  DEFAULT_YJS_MAX_PEERS,
  DEFAULT_YJS_RESYNC_INTERVAL,
  DEFAULT_YJS_MAX_SEEN_ENVELOPES,
  yjsProtocol
} from './constants.js'
import { SyncedDoc, checkNewDoc } from './doc-set.js'
import { YSyncPayload, YUpdatePayload, type YjsPayload } from './messages.js'
import { YDocReplica } from './replica.js'
import { readSyncMessage, writeSyncStep1, writeSyncStep2, writeUpdateMessage, type SyncMessage } from './sync-message.js'

export interface YDocSyncCoreOptions {
  /** This node's Ed25519 identity, which signs its envelopes. */
  readonly identity: Identity
  /** The state domain the documents belong to: 1-64 lowercase letters, digits or `-`, starting with a letter (else `BAD_DOMAIN`). */
  readonly domain: string
  /** The node's shared signature verdicts, so an envelope relayed on a topic is not verified twice on a node. */
  readonly verificationCache?: VerificationCache
  /** Largest envelope sent or accepted, in bytes; it bounds every update and sync step 2. Default 1 MiB. */
  readonly maxEnvelopeBytes?: number
  /** The replay window: largest distance between an envelope's timestamp and this node's clock, ms. Default 60 000. */
  readonly maxClockSkew?: number
  /** Most envelopes remembered to refuse replays. Default 10 000. */
  readonly maxSeenEnvelopes?: number
  /** Most peers remembered, per document, as already sent its sync step 1 (and most connected peers tracked). Default 1 024. */
  readonly maxPeers?: number
  /** Most documents kept in sync at once. Default 256. */
  readonly maxDocs?: number
  /**
   * Least time between two sync step 1s of a document to one peer while its
   * step 2 is awaited, ms: an update that arrived before one it builds on
   * asks its sender for the missing history, once per interval. Default 5 000.
   */
  readonly resyncInterval?: number
}

/** What the core reports to the application. */
export type YjsEvent =
  /** `peer`'s sync step 2 of document `doc` was applied: the doc now holds everything `peer` held when it answered; `changed` when it held something new. */
  | { readonly type: 'synced'; readonly doc: string; readonly peer: PeerRef; readonly changed: boolean }
  /** A message of document `doc` could not be sealed (e.g. `TOO_LARGE` for the envelope limit) and was not sent; `to` is undefined for the topic. */
  | { readonly type: 'notSent'; readonly doc: string; readonly to: PeerRef | undefined; readonly error: DscsError }

/** An opened message and the document it is for. */
interface Addressed {
  readonly doc: SyncedDoc
  readonly message: SyncMessage
}

/**
 * Keeps the named Y.Docs of a state domain in sync with peers, as a sans-I/O
 * `ProtocolCore`: y-protocols sync over signed DSCS envelopes, every document
 * on the one protocol of its domain ({@link YDocSyncCore.protocol}), each with its own topic.
 *
 * - {@link addDoc} and {@link removeDoc} change the documents kept, at any
 *   time; a document added sends its step 1 to every connected peer.
 * - On `peerConnected` it sends sync step 1 (the state vector) of each
 *   document; it answers a step 1 with step 2 (the update the peer lacks),
 *   followed by its own step 1 if it has not sent one to that peer, or if
 *   that one went unanswered for `resyncInterval` (the peer did not keep the
 *   document then); it applies a step 2 and reports `synced`.
 * - An update that arrives before one it builds on (gossip does not keep
 *   order) goes in as far as it can; the rest is dropped, not kept pending
 *   (see `YDocReplica.applyRemote`), and the core sends the update's sender
 *   a step 1, whose step 2 brings the missing history in order.
 * - Each local transaction's update is published on the document's topic
 *   by {@link publishUpdate} (a driver calls it from the replica's
 *   `onLocalUpdate`); updates from the topic are applied with the replica as
 *   their transaction origin, so they are never published again.
 * - Each message's payload is one y-protocols sync message, byte for byte
 *   what `y-protocols/sync` writes, in a YSync or YUpdate envelope naming the
 *   domain and document and signed by the sending node.
 *
 * Every input is hostile: the envelope size limit before parsing, then the
 * replay window, the kind, the document named, the sync message's shape, the
 * signature (or the node's cached verdict), and only then the update's own
 * checks before Yjs applies it. A failure is a `penalise` effect with a typed
 * error, the doc untouched; no exception escapes for bad input. A sync
 * message for a document this node does not keep is dropped before its
 * signature is checked, without blame: peers keep different documents.
 *
 * The signature authenticates the peer that sent an envelope, not the
 * authors of the changes inside: a step 2 carries other peers' edits relayed
 * by the sender, and Yjs updates carry no signatures of their own. A peer
 * admitted to a document can therefore write anything into it; trust is
 * decided per peer, by who may connect and sync.
 */
export class YDocSyncCore implements ProtocolCore<YjsEvent> {
  readonly domain: string
  /** The direct protocol of this domain's documents: `/dscs/frp-state/<domain>/yjs/1.0.0`. */
  readonly protocol: ProtocolId
  readonly #identity: Identity
  readonly #verificationCache: VerificationCache | undefined
  readonly #limits: { readonly maxEnvelopeBytes: number }
  readonly #replay: ReplayGuard
  readonly #maxPeers: number
  readonly #maxDocs: number
  readonly #resyncInterval: number
  readonly #docs = new Map<string, SyncedDoc>()
  readonly #byTopic = new Map<string, SyncedDoc>()
  // Peers connected now, so a document added later greets them; bounded like the per-document peer state.
  readonly #connected = new Set<PeerRef>()
  // Makes every envelope unique: two identical messages in one millisecond would otherwise be one replayed envelope.
  #seq = 0

  constructor(options: YDocSyncCoreOptions) {
    this.domain = checkDomain(options.domain)
    this.protocol = yjsProtocol(this.domain)
    this.#identity = options.identity
    this.#verificationCache = options.verificationCache
    this.#limits = { maxEnvelopeBytes: positiveOption(options.maxEnvelopeBytes, DEFAULT_MAX_YJS_ENVELOPE_BYTES, 'maxEnvelopeBytes') }
    this.#replay = new ReplayGuard({
      windowMs: positiveOption(options.maxClockSkew, DEFAULT_YJS_MAX_CLOCK_SKEW, 'maxClockSkew'),
      maxEntries: positiveOption(options.maxSeenEnvelopes, DEFAULT_YJS_MAX_SEEN_ENVELOPES, 'maxSeenEnvelopes')
    })
    this.#maxPeers = positiveOption(options.maxPeers, DEFAULT_YJS_MAX_PEERS, 'maxPeers')
    this.#maxDocs = positiveOption(options.maxDocs, DEFAULT_MAX_YJS_DOCS, 'maxDocs')
    this.#resyncInterval = positiveOption(options.resyncInterval, DEFAULT_YJS_RESYNC_INTERVAL, 'resyncInterval')
  }

  /** The names of the documents kept, in the order they were added. */
  get docs(): string[] {
    return [...this.#docs.keys()]
  }

  /**
   * Keeps `doc` in sync under `name` and sends its step 1 to every connected
   * peer. Throws INVALID_OPTION (a bad name, or a Y.Doc kept already),
   * DUPLICATE_NAME or TOO_MANY_DOCS.
   */
  addDoc(name: string, doc: Y.Doc, now: number): CoreEffect<YjsEvent>[] {
    checkNewDoc(this.#docs, (kept) => kept.replica.doc, name, doc, this.#maxDocs)
    const synced = new SyncedDoc(this.domain, name, new YDocReplica(doc, { maxUpdateBytes: this.#limits.maxEnvelopeBytes }), this.#maxPeers)
    this.#docs.set(name, synced)
    this.#byTopic.set(synced.topic, synced)
    return [...this.#connected].flatMap((peer) => this.#greet(synced, peer, now))
  }

  /** Stops keeping document `name` in sync; false if it was not kept. Messages for it are dropped from then on. */
  removeDoc(name: string): boolean {
    const synced = this.#docs.get(name)
    if (synced === undefined) return false
    this.#docs.delete(name)
    this.#byTopic.delete(synced.topic)
    return true
  }

  /** The boundary of document `name` (remote updates go in through it), or undefined if it is not kept. */
  replica(name: string): YDocReplica | undefined {
    return this.#docs.get(name)?.replica
  }

  /** The topic live updates of document `name` are published and received on. */
  topicOf(name: string): string | undefined {
    return this.#docs.get(name)?.topic
  }

  /** Starts a sync of each document with a newly connected peer: its step 1, unless one went out in answer to the peer's own. */
  peerConnected(peer: PeerRef, now: number): CoreEffect<YjsEvent>[] {
    if (this.#connected.size < this.#maxPeers) this.#connected.add(peer)
    return [...this.#docs.values()].flatMap((synced) => (synced.greeted.has(peer) ? [] : this.#greet(synced, peer, now)))
  }

  peerDisconnected(peer: PeerRef): CoreEffect<YjsEvent>[] {
    this.#connected.delete(peer)
    for (const synced of this.#docs.values()) synced.forget(peer)
    return []
  }

  /** Handles a YSync envelope `from` sent on {@link YDocSyncCore.protocol}, the core's one protocol. */
  receive(from: PeerRef, bytes: Uint8Array, now: number): CoreEffect<YjsEvent>[] {
    try {
      return this.#answer(from, this.#open(bytes, now, YSyncPayload, undefined), now)
    } catch (err) {
      return this.#refuse(from, err)
    }
  }

  /** Handles a YUpdate envelope relayed by `from` on a document's topic: applied and relayed on, or rejected. */
  receiveTopic(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<YjsEvent> {
    const synced = this.#byTopic.get(topic)
    if (synced === undefined) return { verdict: 'ignore', effects: [] }
    try {
      const { message } = this.#open(bytes, now, YUpdatePayload, synced)
      // #read lets only updates through on a topic; relayed on even if incomplete here, for peers that hold the history.
      return { verdict: 'accept', effects: message.type === 'update' ? this.#applyUpdate(synced, from, message.update, now) : [] }
    } catch (err) {
      return { verdict: 'reject', effects: this.#refuse(from, err) }
    }
  }

  /** Nothing waits on time: a sync is a single exchange. */
  tick(): CoreEffect<YjsEvent>[] {
    return []
  }

  nextDeadline(): number | undefined {
    return undefined
  }

  /**
   * Asks `peer` again for what it holds of every document (sync step 1s):
   * anti-entropy for edits that reached this node through no live update,
   * e.g. merged by a peer from a third node it synced with.
   */
  resync(peer: PeerRef, now: number): CoreEffect<YjsEvent>[] {
    return [...this.#docs.values()].flatMap((synced) => this.#requestSync(synced, peer, now))
  }

  /** Publishes a local update of document `name` on its topic; or reports it `notSent` when it exceeds the envelope limit. Nothing if the document is not kept. */
  publishUpdate(name: string, update: Uint8Array, now: number): CoreEffect<YjsEvent>[] {
    const synced = this.#docs.get(name)
    if (synced === undefined) return []
    return this.#sealed(synced, undefined, YUpdatePayload, writeUpdateMessage(update), now, (bytes) => ({ type: 'publish', topic: synced.topic, bytes }))
  }

  #answer(from: PeerRef, { doc: synced, message }: Addressed, now: number): CoreEffect<YjsEvent>[] {
    switch (message.type) {
      case 'step1': {
        const effects = this.#send(synced, from, writeSyncStep2(synced.replica.doc, message.stateVector), now)
        // Our own step 1 only if none went out, or it went unanswered (the peer kept no such document then):
        // both peers start on connect, and step 1s answering step 1s would never end.
        const requested = synced.syncRequested.get(from)
        if (!synced.greeted.has(from) || (requested !== undefined && now - requested >= this.#resyncInterval)) effects.push(...this.#greet(synced, from, now))
        return effects
      }
      case 'step2': {
        // Never answered with another step 1, even if incomplete: the peer sent all it had, and asking again could loop.
        const changed = changesDoc(synced.replica.doc, () => synced.replica.applyRemote(message.update))
        synced.syncRequested.delete(from)
        return [{ type: 'emit', event: { type: 'synced', doc: synced.name, peer: from, changed } }]
      }
      case 'update':
        return this.#applyUpdate(synced, from, message.update, now)
    }
  }

  #applyUpdate(synced: SyncedDoc, from: PeerRef, update: Uint8Array, now: number): CoreEffect<YjsEvent>[] {
    if (synced.replica.applyRemote(update)) return []
    const requested = synced.syncRequested.get(from)
    return requested === undefined || now - requested >= this.#resyncInterval ? this.#requestSync(synced, from, now) : []
  }

  #greet(synced: SyncedDoc, peer: PeerRef, now: number): CoreEffect<YjsEvent>[] {
    synced.greeted.set(peer, true)
    return this.#requestSync(synced, peer, now)
  }

  #requestSync(synced: SyncedDoc, peer: PeerRef, now: number): CoreEffect<YjsEvent>[] {
    synced.syncRequested.set(peer, now)
    return this.#send(synced, peer, writeSyncStep1(synced.replica.doc), now)
  }

  // #read runs before the signature, so a message for another doc or of a bad shape costs no verification.
  #open(bytes: Uint8Array, now: number, kind: PayloadKind<YjsPayload>, topicDoc: SyncedDoc | undefined): Addressed {
    return openMessage(bytes, { limits: this.#limits, replay: this.#replay, cache: this.#verificationCache, now }, (envelope) => this.#read(envelope, kind, topicDoc))
  }

  /** The message and its document: the topic's, which the payload must name, or the one a direct message names. */
  #read(envelope: Envelope, kind: PayloadKind<YjsPayload>, topicDoc: SyncedDoc | undefined): Addressed {
    const payload = decodePayload(envelope, kind)
    const doc = topicDoc ?? (payload.domain === this.domain ? this.#docs.get(payload.doc) : undefined)
    if (doc === undefined) throw new FrpStateError('UNKNOWN_DOC', `a message for ${payload.domain}/${payload.doc}, which this node does not keep`)
    if (payload.domain !== this.domain || payload.doc !== doc.name) {
      throw new FrpStateError('WRONG_DOC', `a message for ${payload.domain}/${payload.doc} on the topic of ${this.domain}/${doc.name}`)
    }
    const message = readSyncMessage(payload.message)
    if (kind === YUpdatePayload && message.type !== 'update') {
      throw new FrpStateError('BAD_SYNC_MESSAGE', `a sync ${message.type} was published on a topic, where only updates go`)
    }
    return { doc, message }
  }

  #refuse(from: PeerRef, err: unknown): CoreEffect<YjsEvent>[] {
    // Hostile input fails with a typed error; any other exception is a bug and must surface.
    if (!isDscsError(err)) throw err
    return err.code === 'UNKNOWN_DOC' ? [] : [{ type: 'penalise', peer: from, error: err }]
  }

  #send(synced: SyncedDoc, to: PeerRef, message: Uint8Array, now: number): CoreEffect<YjsEvent>[] {
    return this.#sealed(synced, to, YSyncPayload, message, now, (bytes) => ({ type: 'send', to, bytes }))
  }

  // Sealing fails only on a limit (a state too large for one envelope): the application hears of it, and the call goes on.
  #sealed(
    synced: SyncedDoc,
    to: PeerRef | undefined,
    kind: PayloadKind<YjsPayload>,
    message: Uint8Array,
    now: number,
    effect: (bytes: Uint8Array) => CoreEffect<YjsEvent>
  ): CoreEffect<YjsEvent>[] {
    try {
      return [effect(this.#seal(synced.name, kind, message, now))]
    } catch (err) {
      if (!isDscsError(err)) throw err
      return [{ type: 'emit', event: { type: 'notSent', doc: synced.name, to, error: err } }]
    }
  }

  #seal(doc: string, kind: PayloadKind<YjsPayload>, message: Uint8Array, now: number): Uint8Array {
    const unsigned = createEnvelope({
      kind: kind.name,
      payload: encodePayload(kind, { domain: this.domain, doc, message }),
      author: this.#identity.publicKey,
      // Envelope timestamps are whole milliseconds; a simulator's time may be fractional.
      timestamp: Math.floor(now),
      seq: this.#seq++
    })
    return encodeEnvelope(signEnvelope(this.#identity, unsigned), this.#limits)
  }
}

/** Runs `apply` and tells whether it changed `doc`: Yjs emits `update` only for a transaction that changed something. */
function changesDoc(doc: Y.Doc, apply: () => void): boolean {
  let changed = false
  const mark = (): void => {
    changed = true
  }
  doc.on('update', mark)
  try {
    apply()
  } finally {
    doc.off('update', mark)
  }
  return changed
}
