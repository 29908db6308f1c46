import { DscsError, isDscsError, type CoreEffect, type PeerRef, type ProtocolCore, type TopicReceipt } from '@dscs/interface'
import { openMessage, ReplayGuard, type Identity, type VerificationCache } from '@dscs/identity'
import { decodeEnvelope, decodePayload, encodePayload, envelopeHash, WireError, type Envelope } from '@dscs/wire'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { TrustWotInit } from '../index.js'
import { AttestationBook, opSetRoot, readAttestation, signAttestation, trustedRoot, type Attestation, type AttestationTerms, type Evidence, type TrustedRoot } from './attestation.js'
import { DEFAULTS, MAX_ATTESTATION_BYTES, MAX_RECORDS_MESSAGE_BYTES, MAX_RECORDS_PER_MESSAGE, MAX_RECORD_BYTES, PROTOCOL_ID, RECORDS_TOPIC } from './constants.js'
import { TrustWotError } from './errors.js'
import { TrustGraph } from './graph.js'
import { AttestationPayloadKind, checkLevel, checkScope, RecordsPayloadKind } from './messages.js'
import { resolveMetric, TrustView, type MetricParams } from './metric.js'
import type { WotTrustPolicy } from './policy.js'
import { RecordPools } from './pools.js'
import { readRecord, recordKey, signRevocation, signStatement, type RecordLimits, type StatementTerms, type TrustRecord } from './record.js'
import { openSigned, sealEnvelope } from './signed.js'
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
  /** An observer's attestation arrived (or this node made one). */
  | { readonly type: 'attestation'; readonly attestation: Attestation }
  /** Two attestations for one domain and version disagree on the root. */
  | { readonly type: 'evidence'; readonly evidence: Evidence }
  /** Input from `from` was refused with `error` (the peer is penalised too). */
  | { readonly type: 'refused'; readonly from: PeerRef; readonly error: DscsError }

type Effects = CoreEffect<TrustWotEvent>[]

/** A record stored by a driver, to read back at start. */
export interface StoredRecord {
  /** The key it was stored under: the record's id, hex. */
  readonly id: string
  readonly bytes: Uint8Array
}

/** What travels on the records topic and in Records messages. */
type Item = { readonly type: 'record'; readonly record: TrustRecord } | { readonly type: 'attestation'; readonly attestation: Attestation }

/**
 * Stops the opening of an item the node does not need (held already,
 * superseded, without room, or by an observer it does not trust): dropped
 * before its signature costs anything, without blame, since honest relays
 * pass such items on. Never leaves the core.
 */
class Unneeded extends DscsError {
  constructor(reason: string) {
    super('UNNEEDED', reason)
  }
}

const OUTER_BYTES = MAX_RECORDS_MESSAGE_BYTES + 512
/** A Records message's payload: what its items may take, leaving room for their framing. */
const BATCH_BYTES = MAX_RECORDS_MESSAGE_BYTES - 64

/**
 * The web of trust as a sans-I/O state machine, a `ProtocolCore` of
 * `@dscs/interface`: trust statements, revocations and observers'
 * attestations in (from the application, the gossip topic
 * {@link RECORDS_TOPIC} and peers' Records messages on {@link PROTOCOL_ID}),
 * effects out (`publish`, `send`, `emit`, `penalise`). It holds the
 * {@link TrustGraph}, bounded by {@link RecordPools}, the node's own
 * {@link Viewpoint} (others are made on demand), the attestations, and the
 * {@link WotTrustPolicy}s attached to it, which it feeds and ticks.
 *
 * Every item is opened cheapest check first: size and decoding, the replay
 * window (gossip only: an item on the topic is fresh), kind and fields,
 * whether the node needs it (held already, superseded, room, an observer it
 * trusts), then the signature. An item that fails is refused and its sender
 * penalised; one the node does not need is dropped without blame.
 */
export class TrustWotCore implements ProtocolCore<TrustWotEvent> {
  readonly graph: TrustGraph
  readonly attestations: AttestationBook
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
  readonly #policies = new Set<WotTrustPolicy>()
  /** Peers connected now: those a Records message's news is passed on to. */
  readonly #connected = new Set<PeerRef>()
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
    this.attestations = new AttestationBook({
      maxVersions: positive(options.maxVersions, DEFAULTS.maxVersions, 'maxVersions'),
      maxDomains: positive(options.maxDomains, DEFAULTS.maxDomains, 'maxDomains'),
      maxObserversPerVersion: positive(options.maxObserversPerVersion, DEFAULTS.maxObserversPerVersion, 'maxObserversPerVersion')
    })
    this.#maxSyncRecords = positive(options.maxSyncRecords, DEFAULTS.maxSyncRecords, 'maxSyncRecords')
    this.local = this.viewpoint(this.self)
    this.#pools = new RecordPools(this.graph, (truster) => this.#trusts(truster), {
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
   * per viewer and scope; its `close()` (or {@link closeViewpoint}) releases it.
   */
  viewpoint(viewer: string = this.self, scope = ''): Viewpoint {
    checkScope(scope)
    if (!/^[0-9a-f]{64}$/.test(viewer)) throw new TrustWotError('INVALID_OPTION', 'a viewer is a public key in 64 lower-case hex digits')
    const name = `${viewer}/${scope}`
    let viewpoint = this.#viewpoints.get(name)
    if (viewpoint === undefined) {
      const view = new TrustView(this.graph.layer(scope), this.graph.pin(viewer), this.metric)
      viewpoint = new Viewpoint(this.graph, view, viewer, scope, () => this.#viewpoints.delete(name))
      this.#viewpoints.set(name, viewpoint)
    }
    return viewpoint
  }

  /** Stops keeping the viewpoint of `viewer` in `scope` up to date; this node's own unscoped one stays. */
  closeViewpoint(viewer: string, scope = ''): void {
    if (viewer === this.self && scope === '') return
    this.#viewpoints.get(`${viewer}/${scope}`)?.close()
  }

  /**
   * The root of `domain` at `version` that observers other than this node,
   * whose trust from this node adds up to `threshold`, attest; undefined when
   * none does, or when two roots do.
   */
  trustedRoot(domain: string, version: number, threshold: number): TrustedRoot | undefined {
    return trustedRoot(this.attestations.at(domain, version), (observer) => this.local.trust(observer), threshold, this.self)
  }

  /** Whether this node trusts `key` (hex) directly, unscoped: a friend, in friend-to-friend terms. */
  isFriend(key: string): boolean {
    const self = this.graph.indexOf(this.self)
    const other = this.graph.indexOf(key)
    return self !== undefined && other !== undefined && this.graph.layer('').level(self, other) > 0
  }

  /**
   * The first hop of a shortest path from this node to `to` (hex) of at most
   * `maxHops` links of mutual direct trust (each side trusts the other,
   * unscoped: the links a friend-to-friend network has), the first hop among
   * the keys `usable` accepts (the friends connected now).
   */
  firstHop(to: string, maxHops: number, usable: (key: string) => boolean): string | undefined {
    const layer = this.graph.layer('')
    const self = this.graph.indexOf(this.self)
    const target = this.graph.indexOf(to)
    if (self === undefined || target === undefined || maxHops < 1) return undefined
    // Breadth first; each identity reached remembers the first hop it was reached through.
    const firstOf = new Map<number, number>([[self, self]])
    let frontier = [self]
    for (let depth = 1; depth <= maxHops && frontier.length > 0; depth++) {
      const next: number[] = []
      for (const node of frontier) {
        const out = layer.trustees(node)
        if (out === undefined) continue
        for (const trustee of out.to) {
          if (firstOf.has(trustee) || layer.level(trustee, node) === 0) continue
          if (depth === 1 && !usable(this.graph.keyOf(trustee))) continue
          const first = depth === 1 ? trustee : firstOf.get(node)!
          if (trustee === target) return this.graph.keyOf(first)
          firstOf.set(trustee, first)
          next.push(trustee)
        }
      }
      frontier = next
    }
    return undefined
  }

  /** The latest version of `domain` with a {@link trustedRoot} at `threshold`, and that root. */
  latestTrustedRoot(domain: string, threshold: number): (TrustedRoot & { readonly version: number }) | undefined {
    for (const version of this.attestations.versions(domain)) {
      const trusted = this.trustedRoot(domain, version, threshold)
      if (trusted !== undefined) return { ...trusted, version }
    }
    return undefined
  }

  /** Feeds `policy` this node's attestations and trust from now on, and ticks it (its attestations, if it observes, are published). */
  attach(policy: WotTrustPolicy): void {
    policy.bind({
      self: this.self,
      trust: (key) => this.local.trust(key),
      attestations: (domain, version) => this.attestations.at(domain, version),
      latest: (domain) => this.attestations.latest(domain)
    })
    this.#policies.add(policy)
  }

  /** States this node's trust in `trustee` (a public key) on `terms`, and publishes the statement. */
  trust(trustee: Uint8Array, terms: StatementTerms, now: number): { record: TrustRecord; effects: Effects } {
    checkLevel(terms.level)
    checkScope(terms.scope ?? '')
    return this.#ownRecord(signStatement(this.#identity, trustee, terms, now), now)
  }

  /** Withdraws this node's trust in `trustee` for `scope`, and publishes the revocation. */
  revoke(trustee: Uint8Array, scope: string, now: number): { record: TrustRecord; effects: Effects } {
    checkScope(scope)
    return this.#ownRecord(signRevocation(this.#identity, trustee, scope, now), now)
  }

  /** Attests, as an observer, that `terms.domain` at `terms.version` has root `terms.stateRoot`, and publishes it. */
  attest(terms: AttestationTerms, now: number): { attestation: Attestation; effects: Effects } {
    const effects: Effects = []
    const bytes = signAttestation(this.#identity, terms, now)
    const item = this.#openOwn(bytes, now, `this node already attested ${terms.domain} at version ${terms.version}`)
    if (item.type !== 'attestation') throw new TrustWotError('INVALID_OPTION', 'not an attestation')
    this.#admitAttestation(item.attestation, effects)
    effects.push({ type: 'publish', topic: RECORDS_TOPIC, bytes })
    return { attestation: item.attestation, effects }
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
      return { verdict: this.#take(this.#open(bytes, now, true), now, effects) ? 'accept' : 'ignore', effects }
    } catch (err) {
      if (err instanceof Unneeded) return { verdict: 'ignore', effects }
      if (!isDscsError(err)) throw err
      return { verdict: 'reject', effects: [...effects, ...refusal(from, err)] }
    }
  }

  /** A Records message from `from`: its items, each opened on its own; the first bad one ends the message and penalises the sender. */
  receive(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    const effects: Effects = []
    try {
      const items = openMessage(bytes, { limits: { maxEnvelopeBytes: OUTER_BYTES }, replay: this.#replay, cache: this.#cache, now }, (envelope) => {
        if (envelope.kind !== RecordsPayloadKind.name) throw new WireError('UNKNOWN_KIND', `${PROTOCOL_ID} carries no payload kind ${JSON.stringify(envelope.kind)}`)
        return decodePayload(envelope, RecordsPayloadKind).records
      })
      const news: Uint8Array[] = []
      try {
        for (const itemBytes of items) {
          try {
            const item = this.#open(itemBytes, now, false)
            if (this.#take(item, now, effects)) news.push(item.type === 'record' ? item.record.bytes : item.attestation.bytes)
          } catch (err) {
            if (!(err instanceof Unneeded)) throw err
          }
        }
      } finally {
        // What was news here is passed on to the other peers connected: sync, unlike gossip, is not relayed by the network.
        for (const peer of this.#connected) if (peer !== from && news.length > 0) effects.push(...this.#sendItems(peer, news, now))
      }
    } catch (err) {
      if (!isDscsError(err)) throw err
      effects.push(...refusal(from, err))
    }
    return effects
  }

  /**
   * A peer that connects gets what this node holds (up to `maxSyncRecords`
   * items): the records of trusters it trusts, then the others', then the
   * attestations, the latest versions first.
   */
  peerConnected(peer: PeerRef, now: number): Effects {
    this.#connected.add(peer)
    const trusted: Uint8Array[] = []
    const others: Uint8Array[] = []
    for (const record of this.graph.records()) (this.#trusts(record.truster) ? trusted : others).push(record.bytes)
    const items = [...trusted, ...others]
    for (const attestation of this.attestations.all()) {
      if (items.length >= this.#maxSyncRecords) break
      items.push(attestation.bytes)
    }
    return this.#sendItems(peer, items.slice(0, this.#maxSyncRecords), now)
  }

  peerDisconnected(peer: PeerRef): Effects {
    this.#connected.delete(peer)
    return []
  }

  /** `items` (encoded envelopes) to `peer`, in as few Records messages as their limits allow. */
  #sendItems(peer: PeerRef, items: readonly Uint8Array[], now: number): Effects {
    const effects: Effects = []
    let batch: Uint8Array[] = []
    let size = 0
    const send = (): void => {
      if (batch.length === 0) return
      const payload = encodePayload(RecordsPayloadKind, { records: batch })
      effects.push({ type: 'send', to: peer, bytes: sealEnvelope(this.#identity, RecordsPayloadKind.name, payload, now, OUTER_BYTES) })
      batch = []
      size = 0
    }
    for (const bytes of items) {
      if (batch.length === MAX_RECORDS_PER_MESSAGE || size + bytes.length + 4 > BATCH_BYTES) send()
      batch.push(bytes)
      size += bytes.length + 4
    }
    send()
    return effects
  }

  /** Lapses expired statements, forgets records past their lifetime, and makes the attached observers' attestations. */
  tick(now: number): Effects {
    const effects: Effects = []
    for (const record of this.graph.tick(now)) {
      this.#pools.removed(record)
      effects.push({ type: 'emit', event: { type: 'forget', record, reason: 'expired' } })
    }
    this.#settle(effects)
    for (const policy of this.#policies) {
      for (const terms of policy.tick(now)) {
        try {
          effects.push(...this.attest(terms, now).effects)
        } catch (err) {
          // Attested already (a restarted observer meets its own attestation): nothing to add.
          if (!isDscsError(err, 'SUPERSEDED')) throw err
        }
      }
    }
    return effects
  }

  nextDeadline(): number | undefined {
    let deadline = this.graph.nextDeadline()
    for (const policy of this.#policies) {
      const next = policy.nextDeadline()
      if (next !== undefined && (deadline === undefined || next < deadline)) deadline = next
    }
    return deadline
  }

  /** Whether this node trusts `key` (hex): itself, or an identity its viewpoint reaches. */
  #trusts(key: string): boolean {
    return key === this.self || this.local.trust(key) > 0
  }

  /** A record of this node's own: admitted like any other (its trusted pool may overflow for it), then published. */
  #ownRecord(bytes: Uint8Array, now: number): { record: TrustRecord; effects: Effects } {
    const effects: Effects = []
    const item = this.#openOwn(bytes, now, 'this node already made a record about this trustee and scope as late as this one')
    if (item.type !== 'record') throw new TrustWotError('INVALID_OPTION', 'not a record')
    this.#admit(item.record, now, effects)
    effects.push({ type: 'publish', topic: RECORDS_TOPIC, bytes })
    return { record: item.record, effects }
  }

  /** Opens an item this node just signed; one it does not need (an earlier call's is as late) fails with SUPERSEDED. */
  #openOwn(bytes: Uint8Array, now: number, superseded: string): Item {
    try {
      return this.#open(bytes, now, false)
    } catch (err) {
      if (err instanceof Unneeded) throw new TrustWotError('SUPERSEDED', superseded)
      throw err
    }
  }

  /** Opens an item; `fresh` applies the replay window, as for gossip. Items of others are checked against what the node needs before their signatures. */
  #open(bytes: Uint8Array, now: number, fresh: boolean): Item {
    return openSigned<Item>(bytes, {
      maxBytes: MAX_ATTESTATION_BYTES,
      now,
      cache: this.#cache,
      replay: fresh ? this.#replay : undefined,
      read: (envelope, id, copy) => this.#read(envelope, id, copy, now),
      beforeSignature: (item) => this.#needs(item, now)
    })
  }

  #read(envelope: Envelope, id: string, bytes: Uint8Array, now: number): Item {
    if (envelope.kind === AttestationPayloadKind.name) return { type: 'attestation', attestation: readAttestation(envelope, id, bytes, this.#limits.maxClockSkew, now) }
    if (bytes.length > MAX_RECORD_BYTES) throw new WireError('TOO_LARGE', `a record envelope of ${bytes.length} bytes exceeds the limit of ${MAX_RECORD_BYTES}`)
    return { type: 'record', record: readRecord(envelope, id, bytes, this.#limits, now) }
  }

  /** The checks that come before an item's signature: whether the node needs it, has room for it, and (for an attestation) its root. */
  #needs(item: Item, now: number): void {
    if (item.type === 'record') {
      const { record } = item
      const admission = this.graph.check(record, now)
      if (admission !== 'new') throw new Unneeded(`the record is ${admission}`)
      if (record.truster !== this.self && this.graph.record(recordKey(record)) === undefined && !this.#pools.hasRoom(record.truster)) {
        throw new Unneeded('no room for more records of trusted trusters')
      }
      return
    }
    const { attestation } = item
    const admission = this.attestations.check(attestation)
    if (admission !== 'new') throw new Unneeded(`the attestation is ${admission}`)
    if (!this.#trusts(attestation.observer)) throw new Unneeded('an attestation by an observer this node does not trust')
    if (attestation.ops.length > 0 && bytesToHex(opSetRoot(attestation.domain, attestation.version, attestation.ops.map(hexToBytes))) !== attestation.root) {
      throw new TrustWotError('BAD_ROOT', `an attestation of ${attestation.domain} at ${attestation.version} whose ops do not hash to its root`)
    }
  }

  #take(item: Item, now: number, effects: Effects): boolean {
    if (item.type === 'record') return this.#admit(item.record, now, effects)
    return this.#admitAttestation(item.attestation, effects)
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

  #admitAttestation(attestation: Attestation, effects: Effects): boolean {
    const { admission, evidence } = this.attestations.add(attestation)
    if (admission !== 'new') return false
    if (evidence !== undefined) effects.push({ type: 'emit', event: { type: 'evidence', evidence } })
    if (evidence?.type !== 'equivocation') effects.push({ type: 'emit', event: { type: 'attestation', attestation } })
    for (const policy of this.#policies) policy.attested(attestation.domain, attestation.version)
    return true
  }

  /** Hands over the events the graph raised, moves the records of trusters whose trust crossed zero, and tells the policies. */
  #settle(effects: Effects): void {
    let shifted = false
    while (this.#raised.length > 0 || this.#crossed.size > 0) {
      shifted = true
      effects.push(...this.#raised)
      this.#raised = []
      const crossed = [...this.#crossed]
      this.#crossed.clear()
      for (const evicted of this.#pools.shifted(crossed)) effects.push({ type: 'emit', event: { type: 'forget', record: evicted, reason: 'evicted' } })
    }
    if (shifted) for (const policy of this.#policies) policy.trustShifted()
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
