import { DscsError, isDscsError, type CoreEffect, type PeerRef, type ProtocolCore, type TopicReceipt } from '@dscs/interface'
import { openEnvelope, ReplayGuard, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, decodeEnvelope, decodePayload, encodeEnvelope, encodePayload, envelopeHash, WireError } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { TrustWotInit } from '../index.js'
import { DEFAULTS, MAX_RECORDS_MESSAGE_BYTES, MAX_RECORDS_PER_MESSAGE, MAX_RECORD_BYTES, PROTOCOL_ID, RECORDS_TOPIC } from './constants.js'
import { TrustWotError } from './errors.js'
import { TrustGraph } from './graph.js'
import { checkLevel, checkScope, RecordsPayloadKind } from './messages.js'
import { resolveMetric, TrustView, type MetricParams } from './metric.js'
import { RecordPools } from './pools.js'
import { openRecord, readRecord, recordKey, signRevocation, signStatement, type RecordLimits, type StatementTerms, type TrustRecord } from './record.js'
import { Viewpoint, type TrustShift } from './viewpoint.js'

/** The {@link TrustWotInit} options plus what every driver supplies. */
export interface TrustWotCoreOptions extends TrustWotInit {
  /** This node's Ed25519 identity: the truster of its statements and the viewer of its own viewpoint. */
  readonly identity: Identity
  /** The node's shared signature verdicts, so no envelope is verified twice on a node. */
  readonly verificationCache?: VerificationCache
}

/** Why a record left the graph. */
export type ForgetReason = 'superseded' | 'expired' | 'evicted'

/** What the core reports. */
export type TrustWotEvent =
  /** The node's own trust in these identities changed (fractions of its budget), unscoped. */
  | { readonly type: 'trust'; readonly shifts: readonly TrustShift[] }
  /** A record joined the graph: what a driver persists. */
  | { readonly type: 'record'; readonly record: TrustRecord }
  /** A record left the graph: what a driver deletes. */
  | { readonly type: 'forget'; readonly record: TrustRecord; readonly reason: ForgetReason }
  /** Input from `from` was refused with `error` (the peer is penalised too). */
  | { readonly type: 'refused'; readonly from: PeerRef; readonly error: DscsError }

type Effects = CoreEffect<TrustWotEvent>[]

/** A record stored by a driver, to read back at start. */
export interface StoredRecord {
  /** The key it was stored under: the record's id, hex. */
  readonly id: string
  readonly bytes: Uint8Array
}

/**
 * Stops the opening of a record the graph does not need (held already,
 * superseded, or with no room): dropped before its signature costs anything,
 * without blame, since honest relays pass such records on. Never leaves the core.
 */
class Unneeded extends DscsError {
  constructor(reason: string) {
    super('UNNEEDED', reason)
  }
}

const OUTER_LIMITS = { maxEnvelopeBytes: MAX_RECORDS_MESSAGE_BYTES + 512 }

/**
 * The web of trust as a sans-I/O state machine, a `ProtocolCore` of
 * `@dscs/interface`: trust statements and revocations in (from the
 * application, the gossip topic {@link RECORDS_TOPIC} and peers' Records
 * messages on {@link PROTOCOL_ID}), effects out (`publish`, `send`, `emit`,
 * `penalise`). It holds the {@link TrustGraph}, bounded by {@link RecordPools},
 * and the node's own {@link Viewpoint}; others are made on demand.
 *
 * Every record is opened cheapest check first: size and decoding, the replay
 * window (gossip only: a record on the topic is fresh), kind and fields,
 * whether the graph needs it (held already, superseded, room), then the
 * signature. A record that fails is refused, and its sender penalised; one the
 * graph does not need is dropped without blame.
 */
export class TrustWotCore implements ProtocolCore<TrustWotEvent> {
  readonly graph: TrustGraph
  /** This node's public key, hex. */
  readonly self: string
  /** Trust from this node, unscoped. */
  readonly local: Viewpoint
  readonly metric: MetricParams
  readonly #identity: Identity
  readonly #cache: VerificationCache | undefined
  readonly #limits: RecordLimits
  readonly #replay: ReplayGuard
  readonly #pools: RecordPools
  readonly #maxSyncRecords: number
  readonly #viewpoints = new Map<string, Viewpoint>()
  /** Trusters whose trust from this node crossed zero during the current call. */
  readonly #crossed = new Set<string>()
  /** Events raised by the graph during the current call. */
  #raised: Effects = []

  constructor(options: TrustWotCoreOptions) {
    this.#identity = options.identity
    this.#cache = options.verificationCache
    this.self = bytesToHex(options.identity.publicKey)
    this.metric = resolveMetric(options.metric)
    this.#limits = {
      maxLifetime: positive(options.maxLifetime, DEFAULTS.maxLifetime, 'maxLifetime'),
      maxClockSkew: positive(options.maxClockSkew, DEFAULTS.maxClockSkew, 'maxClockSkew')
    }
    this.#replay = new ReplayGuard({ windowMs: this.#limits.maxClockSkew, maxEntries: positive(options.maxSeenEnvelopes, DEFAULTS.maxSeenEnvelopes, 'maxSeenEnvelopes') })
    this.graph = new TrustGraph({
      maxLifetime: this.#limits.maxLifetime,
      maxRecordsPerTruster: positive(options.maxRecordsPerTruster, DEFAULTS.maxRecordsPerTruster, 'maxRecordsPerTruster')
    })
    this.#maxSyncRecords = positive(options.maxSyncRecords, DEFAULTS.maxSyncRecords, 'maxSyncRecords')
    this.local = this.viewpoint(this.self)
    this.#pools = new RecordPools(this.graph, (truster) => truster === this.self || this.local.trust(truster) > 0, {
      maxTrusted: positive(options.maxTrustedRecords, DEFAULTS.maxTrustedRecords, 'maxTrustedRecords'),
      maxStrangers: positive(options.maxStrangerRecords, DEFAULTS.maxStrangerRecords, 'maxStrangerRecords')
    })
    this.local.onChange((shifts) => {
      for (const { key, before, after } of shifts) if (before === 0 || after === 0) this.#crossed.add(key)
      this.#raised.push({ type: 'emit', event: { type: 'trust', shifts } })
    })
  }

  /** Records held, in the pools of trusted trusters and of strangers. */
  get stats(): { readonly records: number; readonly trusted: number; readonly strangers: number; readonly identities: number; readonly edges: number } {
    return { records: this.graph.size, trusted: this.#pools.trusted, strangers: this.#pools.strangers, identities: this.graph.nodes, edges: this.graph.layer('').size }
  }

  /**
   * Trust from `viewer` (a public key in hex; this node by default) in
   * `scope` ('' for unscoped trust), kept up to date from now on. Made once
   * per viewer and scope; {@link closeViewpoint} releases it.
   */
  viewpoint(viewer: string = this.self, scope = ''): Viewpoint {
    checkScope(scope)
    if (!/^[0-9a-f]{64}$/.test(viewer)) throw new TrustWotError('INVALID_OPTION', 'a viewer is a public key in 64 lower-case hex digits')
    const name = `${viewer}/${scope}`
    let viewpoint = this.#viewpoints.get(name)
    if (viewpoint === undefined) {
      const view = new TrustView(this.graph.layer(scope), this.graph.pin(viewer), this.metric)
      viewpoint = new Viewpoint(this.graph, view, viewer, scope)
      this.#viewpoints.set(name, viewpoint)
    }
    return viewpoint
  }

  /** Stops keeping the viewpoint of `viewer` in `scope` up to date; this node's own unscoped one stays. */
  closeViewpoint(viewer: string, scope = ''): void {
    const name = `${viewer}/${scope}`
    if (viewer === this.self && scope === '') return
    this.#viewpoints.get(name)?.close()
    this.#viewpoints.delete(name)
  }

  /** States this node's trust in `trustee` (a public key) on `terms`, and publishes the statement. */
  trust(trustee: Uint8Array, terms: StatementTerms, now: number): { record: TrustRecord; effects: Effects } {
    checkLevel(terms.level)
    checkScope(terms.scope ?? '')
    return this.#own(signStatement(this.#identity, trustee, terms, now), now)
  }

  /** Withdraws this node's trust in `trustee` for `scope`, and publishes the revocation. */
  revoke(trustee: Uint8Array, scope: string, now: number): { record: TrustRecord; effects: Effects } {
    checkScope(scope)
    return this.#own(signRevocation(this.#identity, trustee, scope, now), now)
  }

  /**
   * Reads back records a driver stored: each must decode and hash to the id
   * it was stored under (its signature was checked when it arrived). Returns
   * the ids of damaged ones, which the driver should delete.
   */
  restore(stored: Iterable<StoredRecord>, now: number): { effects: Effects; corrupt: string[] } {
    const effects: Effects = []
    const corrupt: string[] = []
    for (const { id, bytes } of stored) {
      try {
        const envelope = decodeEnvelope(bytes, { maxEnvelopeBytes: MAX_RECORD_BYTES })
        if (bytesToHex(envelopeHash(envelope)) !== id) throw new TrustWotError('CORRUPT_STORE', `stored record ${id.slice(0, 16)}… holds another record`)
        const record = readRecord(envelope, id, bytes.slice(), this.#limits, now)
        // One that lapsed or was superseded while the node was down is forgotten at once.
        if (!this.#admit(record, now, effects)) effects.push({ type: 'emit', event: { type: 'forget', record, reason: 'expired' } })
      } catch (err) {
        if (!isDscsError(err)) throw err
        corrupt.push(id)
      }
    }
    // Nothing read back is news: the records are on disk already.
    return { effects: effects.filter((effect) => effect.type !== 'emit' || effect.event.type !== 'record'), corrupt }
  }

  receiveTopic(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<TrustWotEvent> {
    const effects: Effects = []
    if (topic !== RECORDS_TOPIC) return { verdict: 'ignore', effects }
    try {
      const record = openRecord(bytes, { limits: this.#limits, now, cache: this.#cache, replay: this.#replay, beforeSignature: (r) => this.#needs(r, now) })
      return { verdict: this.#admit(record, now, effects) ? 'accept' : 'ignore', effects }
    } catch (err) {
      if (err instanceof Unneeded) return { verdict: 'ignore', effects }
      if (!isDscsError(err)) throw err
      return { verdict: 'reject', effects: [...effects, ...refusal(from, err)] }
    }
  }

  /** A Records message from `from`: its records, each opened on its own; the first bad one ends the message and penalises the sender. */
  receive(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    const effects: Effects = []
    try {
      const checked: { records?: readonly Uint8Array[] } = {}
      openEnvelope(bytes, {
        limits: OUTER_LIMITS,
        replay: this.#replay,
        cache: this.#cache,
        now,
        beforeSignature: (envelope) => {
          if (envelope.kind !== RecordsPayloadKind.name) throw new WireError('UNKNOWN_KIND', `${PROTOCOL_ID} carries no payload kind ${JSON.stringify(envelope.kind)}`)
          checked.records = decodePayload(envelope, RecordsPayloadKind).records
        }
      })
      for (const recordBytes of checked.records ?? []) {
        try {
          this.#admit(openRecord(recordBytes, { limits: this.#limits, now, cache: this.#cache, beforeSignature: (r) => this.#needs(r, now) }), now, effects)
        } catch (err) {
          if (!(err instanceof Unneeded)) throw err
        }
      }
    } catch (err) {
      if (!isDscsError(err)) throw err
      effects.push(...refusal(from, err))
    }
    return effects
  }

  /** A peer that connects gets every record this node holds (up to `maxSyncRecords`), trusted trusters' first. */
  peerConnected(peer: PeerRef, now: number): Effects {
    const trusted: Uint8Array[] = []
    const others: Uint8Array[] = []
    for (const record of this.graph.records()) {
      ;(record.truster === this.self || this.local.trust(record.truster) > 0 ? trusted : others).push(record.bytes)
    }
    const all = [...trusted, ...others].slice(0, this.#maxSyncRecords)
    const effects: Effects = []
    for (let i = 0; i < all.length; i += MAX_RECORDS_PER_MESSAGE) {
      effects.push({ type: 'send', to: peer, bytes: this.#sign(RecordsPayloadKind.name, encodePayload(RecordsPayloadKind, { records: all.slice(i, i + MAX_RECORDS_PER_MESSAGE) }), now) })
    }
    return effects
  }

  /** Lapses expired statements and forgets records past their lifetime. */
  tick(now: number): Effects {
    const effects: Effects = []
    const dropped = this.graph.tick(now)
    for (const record of dropped) {
      this.#pools.removed(record)
      effects.push({ type: 'emit', event: { type: 'forget', record, reason: 'expired' } })
    }
    this.#settle(effects)
    return effects
  }

  nextDeadline(): number | undefined {
    return this.graph.nextDeadline()
  }

  /** A record of this node's own: admitted like any other (its trusted pool may overflow for it), then published. */
  #own(bytes: Uint8Array, now: number): { record: TrustRecord; effects: Effects } {
    const effects: Effects = []
    const record = openRecord(bytes, { limits: this.#limits, now, cache: this.#cache })
    if (!this.#admit(record, now, effects)) {
      throw new TrustWotError('SUPERSEDED', `this node already made a record about ${record.trustee.slice(0, 16)}… as late as this one`)
    }
    effects.push({ type: 'publish', topic: RECORDS_TOPIC, bytes })
    return { record, effects }
  }

  /** The checks that come before a record's signature: whether the graph needs it, and has room for it. */
  #needs(record: TrustRecord, now: number): void {
    const admission = this.graph.check(record, now)
    if (admission !== 'new') throw new Unneeded(`the record is ${admission}`)
    if (this.graph.record(recordKey(record)) === undefined && !this.#pools.hasRoom(record.truster)) throw new Unneeded('no room for more records of trusted trusters')
  }

  /** Puts a record in the graph and the pools; false when the graph did not need it. */
  #admit(record: TrustRecord, now: number, effects: Effects): boolean {
    const { admission, replaced } = this.graph.add(record, now)
    if (admission !== 'new') return false
    effects.push({ type: 'emit', event: { type: 'record', record } })
    if (replaced !== undefined) effects.push({ type: 'emit', event: { type: 'forget', record: replaced, reason: 'superseded' } })
    for (const evicted of this.#pools.added(record, replaced)) effects.push({ type: 'emit', event: { type: 'forget', record: evicted, reason: 'evicted' } })
    this.#settle(effects)
    return true
  }

  /** Hands over the events the graph raised, and moves the records of trusters whose trust crossed zero. */
  #settle(effects: Effects): void {
    while (this.#raised.length > 0 || this.#crossed.size > 0) {
      effects.push(...this.#raised)
      this.#raised = []
      const crossed = [...this.#crossed]
      this.#crossed.clear()
      for (const evicted of this.#pools.shifted(crossed)) effects.push({ type: 'emit', event: { type: 'forget', record: evicted, reason: 'evicted' } })
    }
  }

  #sign(kind: string, payload: Uint8Array, now: number): Uint8Array {
    const unsigned = createEnvelope({ kind, payload, author: this.#identity.publicKey, timestamp: Math.floor(now) })
    return encodeEnvelope(signEnvelope(this.#identity, unsigned), OUTER_LIMITS)
  }
}

/** The effects of refusing bad input from `from`: an event for the application and a penalty. */
function refusal(from: PeerRef, error: DscsError): Effects {
  return [
    { type: 'emit', event: { type: 'refused', from, error } },
    { type: 'penalise', peer: from, error }
  ]
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) throw new TrustWotError('INVALID_OPTION', `${option} must be a positive integer, not ${value}`)
  return value
}
