import { isDscsError, type CoreEffect, type DscsError, type PeerRef, type ProtocolCore, type TopicReceipt, type Unsubscribe } from '@dscs/interface'
import { LruCache, ReplayGuard, openEnvelope, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, decodePayload, encodeEnvelope, encodePayload, type Envelope, type PayloadKind } from '@dscs/wire'
import type * as Y from 'yjs'
import { FrpStateError } from '../core/errors.js'
import { positiveOption } from '../core/options.js'
import {
  DEFAULT_MAX_YJS_ENVELOPE_BYTES,
  DEFAULT_YJS_MAX_CLOCK_SKEW,
  DEFAULT_YJS_MAX_PEERS,
  DEFAULT_YJS_RESYNC_INTERVAL,
  DEFAULT_YJS_MAX_SEEN_ENVELOPES,
  checkName,
  yjsTopic
} from './constants.js'
import { YSyncPayload, YUpdatePayload, type YjsPayload } from './messages.js'
import { YDocReplica } from './replica.js'
import { readSyncMessage, writeSyncStep1, writeSyncStep2, writeUpdateMessage, type SyncMessage } from './sync-message.js'

export interface YDocSyncCoreOptions {
  /** This node's Ed25519 identity, which signs its envelopes. */
  readonly identity: Identity
  /** The document kept in sync. */
  readonly doc: Y.Doc
  /** The state domain the document belongs to: 1-64 letters, digits, `.`, `_`, `-`. */
  readonly domain: string
  /** The document's name within the domain, spelled like the domain. */
  readonly name: string
  /** The node's shared signature verdicts, so an envelope relayed on a topic is not verified twice on a node. */
  readonly verificationCache?: VerificationCache
  /** Largest envelope sent or accepted, in bytes; it bounds every update and sync step 2. Default 1 MiB. */
  readonly maxEnvelopeBytes?: number
  /** The replay window: largest distance between an envelope's timestamp and this node's clock, ms. Default 60 000. */
  readonly maxClockSkew?: number
  /** Most envelopes remembered to refuse replays. Default 10 000. */
  readonly maxSeenEnvelopes?: number
  /** Most peers remembered as already sent this core's sync step 1. Default 1 024. */
  readonly maxPeers?: number
  /**
   * Least time between two sync step 1s to one peer while its step 2 is
   * awaited, ms: an update that arrived before one it builds on asks its
   * sender for the missing history, once per interval. Default 5 000.
   */
  readonly resyncInterval?: number
}

/** What the core reports to the application. */
export type YjsEvent =
  /** `peer`'s sync step 2 was applied: the doc now holds everything `peer` held when it answered. */
  | { readonly type: 'synced'; readonly peer: PeerRef }
  /** A message could not be sealed (e.g. `TOO_LARGE` for the envelope limit) and was not sent; `to` is undefined for the topic. */
  | { readonly type: 'notSent'; readonly to: PeerRef | undefined; readonly error: DscsError }

/**
 * Keeps one named Y.Doc of a state domain in sync with peers, as a sans-I/O
 * `ProtocolCore`: y-protocols sync over signed DSCS envelopes.
 *
 * - On `peerConnected` it sends sync step 1 (its state vector) on
 *   {@link YJS_PROTOCOL_ID}; it answers a step 1 with step 2 (the update the
 *   peer lacks), followed by its own step 1 if it has not sent one to that
 *   peer; it applies a step 2 and reports `synced`.
 * - An update that arrives before one it builds on (gossip does not keep
 *   order) goes in as far as it can; the rest is dropped, not kept pending
 *   (see `YDocReplica.applyRemote`), and the core sends the update's sender
 *   a step 1, whose step 2 brings the missing history in order.
 * - Each local transaction's update is published on {@link topic} by
 *   {@link publishUpdate} (a driver calls it from {@link onLocalUpdate});
 *   updates from the topic are applied with the core's replica as their
 *   transaction origin, so they are never published again.
 * - Each message's payload is one y-protocols sync message, byte for byte
 *   what `y-protocols/sync` writes, in a YSync or YUpdate envelope naming the
 *   domain and document and signed by the sending node.
 *
 * Every input is hostile: the envelope size limit before parsing, then the
 * replay window, the kind, the document named, the sync message's shape, the
 * signature (or the node's cached verdict), and only then the update's own
 * checks before Yjs applies it. A failure is a `penalise` effect with a typed
 * error, the doc untouched; no exception escapes for bad input.
 *
 * The signature authenticates the peer that sent an envelope, not the
 * authors of the changes inside: a step 2 carries other peers' edits relayed
 * by the sender, and Yjs updates carry no signatures of their own. A peer
 * admitted to a document can therefore write anything into it; trust is
 * decided per peer, by who may connect and sync.
 */
export class YDocSyncCore implements ProtocolCore<YjsEvent> {
  readonly domain: string
  readonly name: string
  /** The topic live updates are published and received on. */
  readonly topic: string
  /** The document's boundary: remote updates are applied through it. */
  readonly replica: YDocReplica
  readonly #identity: Identity
  readonly #verificationCache: VerificationCache | undefined
  readonly #limits: { readonly maxEnvelopeBytes: number }
  readonly #replay: ReplayGuard
  // Peers sent our step 1 since they connected; bounded, as a misbehaving network could announce endless peers.
  readonly #greeted: LruCache<PeerRef, true>
  // When each peer was last sent a step 1 whose step 2 has not arrived yet; bounded likewise.
  readonly #syncRequested: LruCache<PeerRef, number>
  readonly #resyncInterval: number
  // Makes every envelope unique: two identical messages in one millisecond would otherwise be one replayed envelope.
  #seq = 0

  constructor(options: YDocSyncCoreOptions) {
    this.domain = checkName(options.domain, 'domain')
    this.name = checkName(options.name, 'doc')
    this.topic = yjsTopic(this.domain, this.name)
    this.#identity = options.identity
    this.#verificationCache = options.verificationCache
    const maxEnvelopeBytes = positiveOption(options.maxEnvelopeBytes, DEFAULT_MAX_YJS_ENVELOPE_BYTES, 'maxEnvelopeBytes')
    this.#limits = { maxEnvelopeBytes }
    this.replica = new YDocReplica(options.doc, { maxUpdateBytes: maxEnvelopeBytes })
    this.#replay = new ReplayGuard({
      windowMs: positiveOption(options.maxClockSkew, DEFAULT_YJS_MAX_CLOCK_SKEW, 'maxClockSkew'),
      maxEntries: positiveOption(options.maxSeenEnvelopes, DEFAULT_YJS_MAX_SEEN_ENVELOPES, 'maxSeenEnvelopes')
    })
    const maxPeers = positiveOption(options.maxPeers, DEFAULT_YJS_MAX_PEERS, 'maxPeers')
    this.#greeted = new LruCache(maxPeers)
    this.#syncRequested = new LruCache(maxPeers)
    this.#resyncInterval = positiveOption(options.resyncInterval, DEFAULT_YJS_RESYNC_INTERVAL, 'resyncInterval')
  }

  /** The document kept in sync. */
  get doc(): Y.Doc {
    return this.replica.doc
  }

  /** Starts a sync with a newly connected peer: sends it sync step 1, unless one went out in answer to the peer's own. */
  peerConnected(peer: PeerRef, now: number): CoreEffect<YjsEvent>[] {
    return this.#greeted.has(peer) ? [] : this.#greet(peer, now)
  }

  peerDisconnected(peer: PeerRef): CoreEffect<YjsEvent>[] {
    this.#greeted.delete(peer)
    this.#syncRequested.delete(peer)
    return []
  }

  /** Handles a YSync envelope `from` sent on {@link YJS_PROTOCOL_ID}, the core's one protocol. */
  receive(from: PeerRef, bytes: Uint8Array, now: number): CoreEffect<YjsEvent>[] {
    try {
      return this.#answer(from, this.#open(bytes, now, YSyncPayload), now)
    } catch (err) {
      return this.#refuse(from, err)
    }
  }

  /** Handles a YUpdate envelope relayed by `from` on {@link topic}: applied and relayed on, or rejected. */
  receiveTopic(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<YjsEvent> {
    if (topic !== this.topic) return { verdict: 'ignore', effects: [] }
    try {
      const message = this.#open(bytes, now, YUpdatePayload)
      // #read lets only updates through on the topic; relayed on even if incomplete here, for peers that hold the history.
      return { verdict: 'accept', effects: message.type === 'update' ? this.#applyUpdate(from, message.update, now) : [] }
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
   * Asks `peer` again for what it holds (sync step 1): anti-entropy for
   * edits that reached this node through no live update, e.g. merged by a
   * peer from a third node it synced with.
   */
  resync(peer: PeerRef, now: number): CoreEffect<YjsEvent>[] {
    return this.#requestSync(peer, now)
  }

  /** Calls `listener` with the update of each local transaction, for the driver to pass to {@link publishUpdate}. */
  onLocalUpdate(listener: (update: Uint8Array) => void): Unsubscribe {
    return this.replica.onLocalUpdate(listener)
  }

  /** Publishes a local update on {@link topic}; or reports it `notSent` when it exceeds the envelope limit. */
  publishUpdate(update: Uint8Array, now: number): CoreEffect<YjsEvent>[] {
    return this.#sealed(undefined, YUpdatePayload, writeUpdateMessage(update), now, (bytes) => ({ type: 'publish', topic: this.topic, bytes }))
  }

  #answer(from: PeerRef, message: SyncMessage, now: number): CoreEffect<YjsEvent>[] {
    switch (message.type) {
      case 'step1': {
        const effects = this.#send(from, writeSyncStep2(this.doc, message.stateVector), now)
        // Our own step 1 only if none went out: both peers start on connect, and step 1s answering step 1s would never end.
        if (!this.#greeted.has(from)) effects.push(...this.#greet(from, now))
        return effects
      }
      case 'step2':
        // Never answered with another step 1, even if incomplete: the peer sent all it had, and asking again could loop.
        this.replica.applyRemote(message.update)
        this.#syncRequested.delete(from)
        return [{ type: 'emit', event: { type: 'synced', peer: from } }]
      case 'update':
        return this.#applyUpdate(from, message.update, now)
    }
  }

  #applyUpdate(from: PeerRef, update: Uint8Array, now: number): CoreEffect<YjsEvent>[] {
    if (this.replica.applyRemote(update)) return []
    const requested = this.#syncRequested.get(from)
    return requested === undefined || now - requested >= this.#resyncInterval ? this.#requestSync(from, now) : []
  }

  #greet(peer: PeerRef, now: number): CoreEffect<YjsEvent>[] {
    this.#greeted.set(peer, true)
    return this.#requestSync(peer, now)
  }

  #requestSync(peer: PeerRef, now: number): CoreEffect<YjsEvent>[] {
    this.#syncRequested.set(peer, now)
    return this.#send(peer, writeSyncStep1(this.doc), now)
  }

  // openEnvelope runs #read before the signature, so a message for another doc or of a bad shape costs no verification.
  #open(bytes: Uint8Array, now: number, kind: PayloadKind<YjsPayload>): SyncMessage {
    const read: { message?: SyncMessage } = {}
    openEnvelope(bytes, {
      limits: this.#limits,
      replay: this.#replay,
      cache: this.#verificationCache,
      now,
      beforeSignature: (envelope) => {
        read.message = this.#read(envelope, kind)
      }
    })
    // Set by beforeSignature, which openEnvelope calls for every envelope it accepts.
    return read.message!
  }

  #read(envelope: Envelope, kind: PayloadKind<YjsPayload>): SyncMessage {
    const payload = decodePayload(envelope, kind)
    if (payload.domain !== this.domain || payload.doc !== this.name) {
      throw new FrpStateError('WRONG_DOC', `a message for ${payload.domain}/${payload.doc} reached the core of ${this.domain}/${this.name}`)
    }
    const message = readSyncMessage(payload.message)
    if (kind === YUpdatePayload && message.type !== 'update') {
      throw new FrpStateError('BAD_SYNC_MESSAGE', `a sync ${message.type} was published on a topic, where only updates go`)
    }
    return message
  }

  #refuse(from: PeerRef, err: unknown): CoreEffect<YjsEvent>[] {
    // Hostile input fails with a typed error; any other exception is a bug and must surface.
    if (!isDscsError(err)) throw err
    return [{ type: 'penalise', peer: from, error: err }]
  }

  #send(to: PeerRef, message: Uint8Array, now: number): CoreEffect<YjsEvent>[] {
    return this.#sealed(to, YSyncPayload, message, now, (bytes) => ({ type: 'send', to, bytes }))
  }

  // Sealing fails only on a limit (a state too large for one envelope): the application hears of it, and the call goes on.
  #sealed(
    to: PeerRef | undefined,
    kind: PayloadKind<YjsPayload>,
    message: Uint8Array,
    now: number,
    effect: (bytes: Uint8Array) => CoreEffect<YjsEvent>
  ): CoreEffect<YjsEvent>[] {
    try {
      return [effect(this.#seal(kind, message, now))]
    } catch (err) {
      if (!isDscsError(err)) throw err
      return [{ type: 'emit', event: { type: 'notSent', to, error: err } }]
    }
  }

  #seal(kind: PayloadKind<YjsPayload>, message: Uint8Array, now: number): Uint8Array {
    const unsigned = createEnvelope({
      kind: kind.name,
      payload: encodePayload(kind, { domain: this.domain, doc: this.name, message }),
      author: this.#identity.publicKey,
      // Envelope timestamps are whole milliseconds; a simulator's time may be fractional.
      timestamp: Math.floor(now),
      seq: this.#seq++
    })
    return encodeEnvelope(signEnvelope(this.#identity, unsigned), this.#limits)
  }
}
