import { isDscsError, type CoreEffect, type PeerRef, type ProtocolCore, type ProtocolId, type TopicReceipt, type TrustPolicy, type TrustStatusChange } from '@dscs/interface'
import { signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { createEnvelope, encodeEnvelope, envelopeHash } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { OpCodec } from './codec.js'
import { AntiEntropy, type SyncEvent } from './anti-entropy.js'
import {
  DEFAULT_COMPACT_EVERY,
  DEFAULT_SYNC_INTERVAL,
  DEFAULT_SYNC_TIMEOUT,
  DEFAULT_HORIZON,
  DEFAULT_MAX_FUTURE,
  DEFAULT_MAX_OPS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  checkDomain,
  ENVELOPE_OVERHEAD_BYTES,
  opKind,
  opProtocol,
  opTopic
} from './constants.js'
import { FrpStateError } from './errors.js'
import { positiveOption } from './options.js'
import type { BaseValue, StateGraph } from './graph.js'
import { HybridClock, type HlcTime } from './hlc.js'
import { Duplicate, admitOp, admitStoredOp, judge, type IngestRules } from './ingest.js'
import { OpLog } from './op-log.js'
import type { Op, OpStatus } from './op.js'
import { acceptAll } from './trust.js'

export interface FrpStateCoreOptions<P> {
  /** This node's identity, which signs its ops. */
  readonly identity: Identity
  /** The reducers and computed values the ops feed; declare reducers before the core applies ops. */
  readonly graph: StateGraph<P>
  /** How op payloads become bytes and back; `decode` must refuse what it does not expect. */
  readonly codec: OpCodec<P>
  /** The state domain: 1-64 lowercase letters, digits and `-`, starting with a letter (else `BAD_DOMAIN`). Default `default`. */
  readonly domain?: string
  /** Decides whether each op is confirmed, pending or refused. Default {@link acceptAll}, the "no trust" mode. */
  readonly trust?: TrustPolicy
  /** Ops older than this many ms are refused; the state before it becomes final. Default 10 minutes. */
  readonly horizon?: number
  /** Ops timestamped more than this many ms ahead of the clock are refused. Default 10 s. */
  readonly maxFuture?: number
  /** Largest op payload, bytes. Default 64 KiB. */
  readonly maxPayloadBytes?: number
  /** Most ops held in memory (those within the horizon, and pending ones). Default 1,000,000. */
  readonly maxOps?: number
  /** How often final ops are folded away, ms. Default 5 s. */
  readonly compactEvery?: number
  /** The node's shared signature verdicts, so an op relayed by many peers is verified once. */
  readonly verificationCache?: VerificationCache
  /** This node's peer, so of two peers that connect only one starts anti-entropy. */
  readonly self?: PeerRef
  /** How often anti-entropy runs with the next peer in turn, ms. Default 30 s. */
  readonly syncInterval?: number
  /** An anti-entropy session silent this long is dropped, ms. Default 30 s. */
  readonly syncTimeout?: number
  /** Where a restored state resumes: its final floor and the last HLC time it issued or saw. */
  readonly resume?: { readonly floor: number; readonly clock: HlcTime }
}

/** Where an op came from. */
export type OpOrigin = 'local' | 'topic' | 'sync' | 'disk'

export type FrpStateEvent<P> =
  /** A new op was admitted with its first status: the service persists it. */
  | { readonly type: 'op'; readonly op: Op<P>; readonly status: OpStatus; readonly origin: OpOrigin }
  /** The trust policy settled an op. */
  | { readonly type: 'status'; readonly op: Op<P>; readonly status: 'confirmed' | 'nullified' }
  /** Ops before `floor` became final and were folded away. */
  | { readonly type: 'compacted'; readonly floor: number; readonly removed: readonly Op<P>[]; readonly bases: readonly BaseValue[] }
  /** An op was refused (`from` is the peer that sent it, absent for the disk). */
  | { readonly type: 'refused'; readonly code: string; readonly message: string; readonly from?: PeerRef; readonly origin: OpOrigin }
  /** An anti-entropy session ended (`sync-ended`, with the ops that crossed) or broke off (`sync-failed`). */
  | SyncEvent

/**
 * The frp-state protocol as a sans-I/O `ProtocolCore`: ops arrive on the
 * domain's topic (and by anti-entropy), are checked cheapest first, judged by
 * the trust policy and applied to the graph at once; local ops are signed,
 * applied and published. Trust decisions arriving later confirm or nullify
 * ops; `tick` folds final ops away.
 */
export class FrpStateCore<P> implements ProtocolCore<FrpStateEvent<P>> {
  readonly graph: StateGraph<P>
  readonly log: OpLog<P>
  readonly domain: string
  /** The gossip topic of the domain's ops. */
  readonly topic: string
  /** The direct protocol of the domain's anti-entropy: one per domain, so several domains share a node without meeting. */
  readonly protocol: ProtocolId
  readonly #identity: Identity
  readonly #rules: IngestRules<P>
  readonly #clock: HybridClock
  readonly #compactEvery: number
  readonly #unsubscribeTrust: () => void
  readonly #sync: AntiEntropy<P>
  // Trust decisions arrive outside any call; their events wait here for takeSettled or the next call.
  readonly #settled: CoreEffect<FrpStateEvent<P>>[] = []
  #nextCompaction: number | undefined

  constructor(options: FrpStateCoreOptions<P>) {
    const domain = checkDomain(options.domain ?? 'default')
    this.domain = domain
    this.topic = opTopic(domain)
    this.protocol = opProtocol(domain)
    this.graph = options.graph
    this.#identity = options.identity
    const maxPayloadBytes = positiveOption(options.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES, 'maxPayloadBytes')
    const trust = options.trust ?? acceptAll()
    this.#rules = {
      kind: opKind(domain),
      domain,
      codec: options.codec,
      maxPayloadBytes,
      maxEnvelopeBytes: maxPayloadBytes + ENVELOPE_OVERHEAD_BYTES,
      horizon: positiveOption(options.horizon, DEFAULT_HORIZON, 'horizon'),
      maxFuture: positiveOption(options.maxFuture, DEFAULT_MAX_FUTURE, 'maxFuture'),
      trust,
      verificationCache: options.verificationCache
    }
    this.log = new OpLog(options.graph, { maxOps: positiveOption(options.maxOps, DEFAULT_MAX_OPS, 'maxOps'), floor: options.resume?.floor })
    this.#clock = new HybridClock(options.resume?.clock)
    this.#compactEvery = positiveOption(options.compactEvery, DEFAULT_COMPACT_EVERY, 'compactEvery')
    this.#unsubscribeTrust = trust.onStatusChange((change) => this.#onStatusChange(change))
    this.#sync = new AntiEntropy({
      index: this.log.index,
      domain,
      identity: options.identity,
      ...(options.self === undefined ? {} : { self: options.self }),
      interval: positiveOption(options.syncInterval, DEFAULT_SYNC_INTERVAL, 'syncInterval'),
      timeout: positiveOption(options.syncTimeout, DEFAULT_SYNC_TIMEOUT, 'syncTimeout'),
      verificationCache: options.verificationCache
    })
  }

  /** The largest signed op envelope this state accepts. */
  get maxEnvelopeBytes(): number {
    return this.#rules.maxEnvelopeBytes
  }

  /** Anti-entropy sessions open now. */
  get syncSessions(): number {
    return this.#sync.sessions
  }

  /** The last HLC time issued or seen: persist it to resume the clock. */
  get clock(): HlcTime {
    return this.#clock.last
  }

  /**
   * Signs `payload` as a new op, applies it at once (subscribers of the graph
   * hear before this returns) and returns it with the `publish` effect.
   * Throws FrpStateError `TRUST_REJECTED` when the trust policy refuses this
   * node's own op, `BAD_PAYLOAD` when it is too large.
   */
  submit(payload: P, now: number): { op: Op<P>; effects: CoreEffect<FrpStateEvent<P>>[] } {
    const bytes = this.#rules.codec.encode(payload)
    if (bytes.length > this.#rules.maxPayloadBytes) {
      throw new FrpStateError('BAD_PAYLOAD', `op payload of ${bytes.length} bytes; at most ${this.#rules.maxPayloadBytes}`)
    }
    const time = this.#clock.tick(now)
    const envelope = signEnvelope(
      this.#identity,
      createEnvelope({ kind: this.#rules.kind, payload: bytes, author: this.#identity.publicKey, timestamp: time.wall, seq: time.counter })
    )
    const id = envelopeHash(envelope)
    const op: Op<P> = { wall: time.wall, counter: time.counter, author: this.#identity.publicKey, id, key: bytesToHex(id), payload, envelope: encodeEnvelope(envelope) }
    const verdict = judge(op, this.#rules, now)
    if (verdict.status === 'reject') throw new FrpStateError('TRUST_REJECTED', `${verdict.code}: ${verdict.reason}`)
    const status = verdict.status === 'accept' ? 'confirmed' : 'pending'
    this.log.add(op, status)
    return {
      op,
      effects: [...this.takeSettled(), { type: 'emit', event: { type: 'op', op, status, origin: 'local' } }, { type: 'publish', topic: this.topic, bytes: op.envelope }]
    }
  }

  /** A Sync message on the domain's {@link FrpStateCore.protocol}: its ops are admitted like topic messages, in one batch; its step is answered. */
  receive(from: PeerRef, bytes: Uint8Array, now: number): CoreEffect<FrpStateEvent<P>>[] {
    // One batch per message: subscribers hear once about all the ops it brought.
    const effects = this.graph.batch(() => this.#sync.receive<FrpStateEvent<P>>(from, bytes, now, (op, peer) => this.ingest(op, now, 'sync', peer).effects))
    return [...this.takeSettled(), ...effects]
  }

  /** Starts anti-entropy with a newly connected peer (the smaller of the two starts). */
  peerConnected(peer: PeerRef, now: number): CoreEffect<FrpStateEvent<P>>[] {
    return this.#sync.peerConnected(peer, now)
  }

  /** Ends the sessions with `peer`: a `sync-failed` event for each. */
  peerDisconnected(peer: PeerRef): CoreEffect<FrpStateEvent<P>>[] {
    return this.#sync.peerDisconnected(peer)
  }

  /** A message to `peer` could not be sent: its sync sessions end now (a `sync-failed` event each), not at their timeout. */
  sendFailed(peer: PeerRef, error: unknown): CoreEffect<FrpStateEvent<P>>[] {
    return this.#sync.sendFailed(peer, error)
  }

  /**
   * Reconciles with `peer` now, e.g. after a partition is known to have healed: joins an anti-entropy session open
   * with it, else starts one. The session's `sync-ended` (or `sync-failed`) event lists `request` among its requests.
   */
  sync(peer: PeerRef, now: number): { request: number; effects: CoreEffect<FrpStateEvent<P>>[] } {
    return this.#sync.sync(peer, now)
  }

  /** An op on the domain's topic: `accept` relays it; a bad one is `reject`ed so gossipsub scores its sender down. */
  receiveTopic(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<FrpStateEvent<P>> {
    if (topic !== this.topic) return { verdict: 'ignore', effects: [] }
    const result = this.ingest(bytes, now, 'topic', from)
    return { verdict: result.verdict, effects: [...this.takeSettled(), ...result.effects] }
  }

  /**
   * Checks and applies one op from a peer or the disk. An op too late for the
   * horizon or held already is ignored without blame; anything malformed,
   * forged, from the future or refused by the trust policy also penalises `from`.
   */
  ingest(bytes: Uint8Array, now: number, origin: OpOrigin, from?: PeerRef): { verdict: 'accept' | 'ignore' | 'reject'; effects: CoreEffect<FrpStateEvent<P>>[] } {
    try {
      const { op, verdict } = admitOp(bytes, this.log, this.#rules, now)
      const status = verdict.status === 'accept' ? 'confirmed' : 'pending'
      this.log.add(op, status)
      this.#clock.observe(op)
      return { verdict: 'accept', effects: [{ type: 'emit', event: { type: 'op', op, status, origin } }] }
    } catch (error) {
      if (error instanceof Duplicate) return { verdict: 'ignore', effects: [] }
      // Hostile input fails with a typed error; anything else is a bug and must surface.
      if (!isDscsError(error)) throw error
      const refused: CoreEffect<FrpStateEvent<P>> = {
        type: 'emit',
        event: { type: 'refused', code: error.code, message: error.message, origin, ...(from === undefined ? {} : { from }) }
      }
      // Lateness and a full log are no offence of the sender's.
      if (error.code === 'BEYOND_HORIZON' || error.code === 'LOG_FULL' || from === undefined) return { verdict: 'ignore', effects: [refused] }
      return { verdict: 'reject', effects: [refused, { type: 'penalise', peer: from, error }] }
    }
  }

  /**
   * Puts back an op read from this node's store with the status it was
   * stored with (a pending one is asked of the trust policy again). Throws
   * FrpStateError `CORRUPT_STORE` (or another DscsError) on a damaged record.
   */
  restore(bytes: Uint8Array, id: Uint8Array, status: OpStatus, now: number): Op<P> {
    const op = admitStoredOp(bytes, id, this.log, this.#rules, now)
    let current = status
    if (status === 'pending') {
      const verdict = judge(op, this.#rules, now)
      current = verdict.status === 'accept' ? 'confirmed' : verdict.status === 'reject' ? 'nullified' : 'pending'
    }
    this.log.add(op, current)
    this.#clock.observe(op)
    return op
  }

  /** Folds final ops away every `compactEvery` ms, runs periodic anti-entropy, reports trust decisions. */
  tick(now: number): CoreEffect<FrpStateEvent<P>>[] {
    const effects: CoreEffect<FrpStateEvent<P>>[] = [...this.takeSettled(), ...this.#sync.tick(now)]
    if (this.#nextCompaction !== undefined && now < this.#nextCompaction) return effects
    this.#nextCompaction = now + this.#compactEvery
    const { removed, bases } = this.log.compact(Math.floor(now - this.#rules.horizon))
    if (removed.length > 0) effects.push({ type: 'emit', event: { type: 'compacted', floor: this.log.floor, removed, bases } })
    return effects
  }

  nextDeadline(): number | undefined {
    return Math.min(this.#nextCompaction ?? 0, this.#sync.nextDeadline() ?? Infinity)
  }

  /** Stops listening to the trust policy. */
  close(): void {
    this.#unsubscribeTrust()
  }

  #onStatusChange(change: TrustStatusChange): void {
    const entry = this.log.settle(change.id, change.status)
    if (entry !== undefined) this.#settled.push({ type: 'emit', event: { type: 'status', op: entry.op, status: change.status } })
  }

  /** The `status` events of trust decisions made since the last call: a driver applies them after the policy speaks. */
  takeSettled(): CoreEffect<FrpStateEvent<P>>[] {
    return this.#settled.splice(0)
  }
}
