import {
  isDscsError,
  systemClock,
  type Clock,
  type DirectHandler,
  type HandleOptions,
  type MessageBytes,
  type MessageVerdict,
  type Net,
  type PeerEvent,
  type PeerRef,
  type ProtocolId,
  type Store,
  type TopicAdmission,
  type TopicHandler,
  type Unsubscribe
} from '@dscs/interface'
import { LruCache, ReplayGuard, VerificationCache, identityFromSeed, openEnvelope, openEnvelopeAsync, type Identity } from '@dscs/identity'
import { decodeFrames, encodeFrameParts, resolveLimits, type Envelope, type WireLimits } from '@dscs/wire'
import { TopicValidatorResult, type GossipSub, type TopicValidatorFn } from '@libp2p/gossipsub'
import { createTopicScoreParams, type TopicScoreParams } from '@libp2p/gossipsub/score'
import type { ComponentLogger, Libp2pEvents, Logger, PeerId, PrivateKey, Startable, Stream, TypedEventTarget } from '@libp2p/interface'
import type { AddressManager, ConnectionManager, Registrar } from '@libp2p/interface-internal'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { NetError } from './errors.js'
import { RecentRate } from './load.js'
import { Rationing, type RationingOptions } from './rationing.js'

/** Options of the DSCS Net service; every one has a default. */
export interface DscsNetInit {
  /** Wire limits; the envelope limit is also the largest stream frame. Default 1 MiB envelopes. */
  readonly limits?: Partial<WireLimits>
  /** Clock-skew window for topic messages, ms: older or newer envelopes are rejected. Default 30 s. */
  readonly replayWindowMs?: number
  /** Most topic envelopes remembered by the replay guard. Default 100,000. */
  readonly replayMaxEntries?: number
  /** Per-peer, per-channel budgets. */
  readonly rationing?: Partial<RationingOptions>
  /** Signature verdicts remembered, shared with the node's protocols. Default 65,536. */
  readonly verificationCacheSize?: number
  /**
   * Topic messages per 100 ms above which signatures are verified on the
   * thread pool (in parallel, off the event loop) instead of inline (lowest
   * latency). Default 20, i.e. 200 messages a second.
   */
  readonly offThreadAbove?: number
  /** How long a peer disconnected for flooding may not reconnect, ms. Default 60 s. */
  readonly banMs?: number
  /** Time source; default the wall clock. */
  readonly clock?: Clock
  /** The node's persistence, handed to protocol services; `createNode` passes its LevelDB store. */
  readonly store?: Store
}

/** What the DSCS Net service needs from libp2p; gossipsub must be registered as `pubsub` before it. */
export interface DscsNetComponents {
  readonly peerId: PeerId
  readonly privateKey: PrivateKey
  readonly registrar: Registrar
  readonly connectionManager: ConnectionManager
  readonly addressManager: AddressManager
  readonly events: TypedEventTarget<Libp2pEvents>
  readonly logger: ComponentLogger
  readonly pubsub: GossipSub
}

/** The parts of the gossipsub implementation used for scoring, beyond its public interface. */
interface ScoredGossipSub extends GossipSub {
  getScore(peer: string): number
  readonly score: {
    readonly params: { readonly topics: Record<string, TopicScoreParams> }
    addPenalty(peer: string, penalty: number, label: string): void
  }
}

/**
 * Each invalid message costs its relay 100 points on the topic, squared by
 * count: one forgery puts a peer below gossipsub's graylist threshold (-80).
 */
const TOPIC_SCORE = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -100,
  invalidMessageDeliveriesDecay: 0.5
})

const MAX_PENALISED_PEERS = 10_000
const DEFAULT_BAN_MS = 60_000
const DEFAULT_OFF_THREAD_ABOVE = 20

/** Counts of refused input per peer, for observability. */
export interface PeerPenalties {
  readonly total: number
  readonly byCode: ReadonlyMap<string, number>
}

/**
 * The `Net` port on libp2p. Direct messages travel as length-prefixed frames
 * on long-lived `/dscs/...` streams (one outbound stream per peer and
 * protocol); topics are gossipsub topics without gossipsub signatures, whose
 * validator opens every envelope (size, replay window, the topic's
 * admission checks such as proof-of-work stamps, signature: the cheapest
 * check first) and rejects what fails, so gossipsub's scoring
 * penalises the relay. Every inbound message first passes the peer's
 * rationing budget. Registered as a libp2p service: `services: { net: dscsNet() }`.
 */
export class Libp2pNet implements Net, Startable {
  readonly self: PeerRef
  /** This node's identity: its libp2p key. */
  readonly identity: Identity
  /** Signature verdicts, shared with the node's protocols so nothing is verified twice. */
  readonly verificationCache: VerificationCache
  readonly rationing: Rationing
  readonly clock: Clock
  readonly limits: WireLimits
  /** The node's persistence, if it has any: protocol services keep their state there. */
  readonly store: Store | undefined

  readonly #components: DscsNetComponents
  readonly #log: Logger
  readonly #replay: ReplayGuard
  readonly #directHandlers = new Map<ProtocolId, DirectHandler>()
  /** Protocols whose messages may be larger (or must be smaller) than an envelope. */
  readonly #maxMessages = new Map<ProtocolId, number>()
  readonly #topicHandlers = new Map<string, TopicHandler>()
  /** Checks run on a topic's envelopes before their signatures (e.g. proof-of-work stamps), by topic. */
  readonly #admissions = new Map<string, TopicAdmission[]>()
  readonly #peerListeners = new Set<(event: PeerEvent) => void>()
  /** Outbound streams, one per peer and protocol, opened on first use. */
  readonly #outbound = new Map<string, Promise<Stream>>()
  readonly #penalties = new LruCache<string, { total: number; byCode: Map<string, number> }>(MAX_PENALISED_PEERS)
  /** Peers disconnected for flooding, with when they may come back; bounded like the penalties. */
  readonly #banned = new LruCache<string, number>(MAX_PENALISED_PEERS)
  readonly #banMs: number
  /** Recent topic messages: when many arrive, their signatures are verified in parallel on the thread pool. */
  readonly #topicLoad = new RecentRate(100)
  readonly #offThreadAbove: number
  #appSpecificScore: ((peer: PeerRef) => number) | undefined
  #running = false

  constructor(components: DscsNetComponents, init: DscsNetInit = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('dscs:net')
    this.self = components.peerId.toString()
    if (components.privateKey.type !== 'Ed25519') throw new NetError('INVALID_OPTION', 'a DSCS node needs an Ed25519 libp2p key')
    // The libp2p Ed25519 key is the seed followed by the public key: the DSCS identity is the same key.
    this.identity = identityFromSeed(components.privateKey.raw.subarray(0, 32))
    this.clock = init.clock ?? systemClock
    this.store = init.store
    this.limits = resolveLimits(init.limits)
    this.rationing = new Rationing(init.rationing)
    this.verificationCache = new VerificationCache(init.verificationCacheSize)
    this.#banMs = init.banMs ?? DEFAULT_BAN_MS
    this.#offThreadAbove = init.offThreadAbove ?? DEFAULT_OFF_THREAD_ABOVE
    this.#replay = new ReplayGuard({
      ...(init.replayWindowMs === undefined ? {} : { windowMs: init.replayWindowMs }),
      ...(init.replayMaxEntries === undefined ? {} : { maxEntries: init.replayMaxEntries })
    })
  }

  readonly [Symbol.toStringTag] = '@dscs/net'

  start(): void {
    this.#running = true
    this.#components.events.addEventListener('peer:connect', this.#onConnect)
    this.#components.events.addEventListener('peer:disconnect', this.#onDisconnect)
  }

  /** Closes outbound streams gracefully and releases every handler and topic. */
  async stop(): Promise<void> {
    this.#running = false
    this.#components.events.removeEventListener('peer:connect', this.#onConnect)
    this.#components.events.removeEventListener('peer:disconnect', this.#onDisconnect)
    const streams = [...this.#outbound.values()]
    this.#outbound.clear()
    await Promise.allSettled(streams.map(async (pending) => (await pending).close()))
    // libp2p may stop gossipsub first; its subscriptions end with it, only the validators are ours to remove.
    for (const topic of this.#topicHandlers.keys()) this.#components.pubsub.topicValidators.delete(topic)
    this.#topicHandlers.clear()
    await Promise.allSettled([...this.#directHandlers.keys()].map((protocol) => this.#components.registrar.unhandle(protocol)))
    this.#directHandlers.clear()
  }

  peers(): readonly PeerRef[] {
    return this.#components.connectionManager.getConnections().map((c) => c.remotePeer.toString()).filter((p, i, all) => all.indexOf(p) === i)
  }

  async send(to: PeerRef, protocol: ProtocolId, bytes: MessageBytes): Promise<void> {
    if (!this.#running) throw new NetError('NOT_RUNNING', 'the node is not running')
    const frame = encodeFrameParts(bytes instanceof Uint8Array ? [bytes] : bytes, { maxFrameBytes: this.#maxMessageBytes(protocol) })
    const key = `${to}\n${protocol}`
    // One retry on a fresh stream: the cached one may have been closed by the peer since its last use.
    for (let attempt = 0; ; attempt++) {
      let stream: Stream
      try {
        stream = await this.#outboundStream(key, to, protocol)
        // The pieces go out back to back, uncopied: no other send runs between them.
        let ready = true
        for (const part of frame) ready = stream.send(part) && ready
        if (!ready) await stream.onDrain()
        return
      } catch (err) {
        this.#outbound.delete(key)
        if (attempt > 0 || !this.#running) throw new NetError('SEND_FAILED', `cannot send on ${protocol} to ${to}: ${describe(err)}`, { cause: err })
      }
    }
  }

  /**
   * Connects to `peer` at `addresses` when any of them parses and names no
   * other peer (untrusted addresses, e.g. from an announcement, can make this
   * node dial only `peer`), else at the addresses the peer store or peer
   * routing knows. The connection gater applies (a banned peer is refused).
   */
  async dial(peer: PeerRef, addresses: readonly string[] = []): Promise<void> {
    if (!this.#running) throw new NetError('NOT_RUNNING', 'the node is not running')
    let id: PeerId
    try {
      id = peerIdFromString(peer)
    } catch (err) {
      throw new NetError('DIAL_FAILED', `${peer} is not a peer id`, { cause: err })
    }
    const targets = addresses.flatMap((address) => dialAddress(address, peer))
    try {
      await this.#components.connectionManager.openConnection(targets.length > 0 ? targets : id)
    } catch (err) {
      throw new NetError('DIAL_FAILED', `cannot dial ${peer}: ${describe(err)}`, { cause: err })
    }
  }

  /** This node's multiaddrs as others can dial them, with its `/p2p/` id. */
  addresses(): readonly string[] {
    return this.#components.addressManager.getAddresses().map((address) => address.toString())
  }

  handle(protocol: ProtocolId, handler: DirectHandler, options: HandleOptions = {}): Unsubscribe {
    if (this.#directHandlers.has(protocol)) throw new NetError('ALREADY_REGISTERED', `${protocol} already has a handler`)
    if (options.budget !== undefined) this.rationing.declare(protocol, options.budget)
    if (options.maxMessageBytes !== undefined) {
      if (!(Number.isSafeInteger(options.maxMessageBytes) && options.maxMessageBytes > 0)) {
        throw new NetError('INVALID_OPTION', `maxMessageBytes of ${protocol} must be a positive whole number, got ${options.maxMessageBytes}`)
      }
      this.#maxMessages.set(protocol, options.maxMessageBytes)
    }
    this.#directHandlers.set(protocol, handler)
    void this.#components.registrar
      .handle(protocol, (stream, connection) => this.#readStream(protocol, stream, connection.remotePeer.toString()), {
        runOnLimitedConnection: true
      })
      .catch((err: unknown) => this.#log.error('cannot handle %s: %e', protocol, err))
    return () => {
      if (this.#directHandlers.get(protocol) !== handler) return
      this.#directHandlers.delete(protocol)
      // What the protocol declared goes with it: a later handler declares its own.
      this.#maxMessages.delete(protocol)
      this.rationing.undeclare(protocol)
      void this.#components.registrar.unhandle(protocol)
    }
  }

  async publish(topic: string, bytes: Uint8Array): Promise<void> {
    if (!this.#running) throw new NetError('NOT_RUNNING', 'the node is not running')
    await this.#components.pubsub.publish(topic, bytes)
  }

  subscribe(topic: string, handler: TopicHandler): Unsubscribe {
    if (this.#topicHandlers.has(topic)) throw new NetError('ALREADY_REGISTERED', `${topic} already has a subscriber`)
    const pubsub = this.#components.pubsub as ScoredGossipSub
    this.#topicHandlers.set(topic, handler)
    pubsub.score.params.topics[topic] = TOPIC_SCORE
    pubsub.topicValidators.set(topic, this.#validator(topic, handler))
    pubsub.subscribe(topic)
    return () => {
      if (this.#topicHandlers.get(topic) === handler) this.#unsubscribe(topic)
    }
  }

  admit(topic: string, check: TopicAdmission): Unsubscribe {
    const checks = this.#admissions.get(topic) ?? []
    this.#admissions.set(topic, [...checks, check])
    return () => {
      const left = (this.#admissions.get(topic) ?? []).filter((c) => c !== check)
      if (left.length > 0) this.#admissions.set(topic, left)
      else this.#admissions.delete(topic)
    }
  }

  /** Whether `topic` has admission checks (which may read the stamp: see `gossipMessageId`). */
  admits(topic: string): boolean {
    return this.#admissions.has(topic)
  }

  /** The topics this node is subscribed to. */
  topics(): string[] {
    return [...this.#topicHandlers.keys()]
  }

  /** Connected peers subscribed to `topic`, as gossipsub knows them. */
  topicPeers(topic: string): PeerRef[] {
    return this.#components.pubsub.getSubscribers(topic).map((peer) => peer.toString())
  }

  onPeer(listener: (event: PeerEvent) => void): Unsubscribe {
    this.#peerListeners.add(listener)
    return () => this.#peerListeners.delete(listener)
  }

  /** Records bad input from `peer` and lowers its gossipsub score (a behaviour penalty). */
  penalise(peer: PeerRef, code: string): void {
    this.#record(peer, code)
    ;(this.#components.pubsub as ScoredGossipSub).score.addPenalty(peer, 1, code)
    this.#log('penalised %s: %s', peer, code)
  }

  /** What `peer` has been penalised for. */
  penalties(peer: PeerRef): PeerPenalties {
    const record = this.#penalties.get(peer)
    return { total: record?.total ?? 0, byCode: new Map(record?.byCode) }
  }

  /** Whether `peer` was disconnected for flooding and may not reconnect yet; the node's connection gater asks this. */
  isBanned(peer: PeerRef): boolean {
    const until = this.#banned.get(peer)
    if (until === undefined) return false
    if (until > this.clock.now()) return true
    this.#banned.delete(peer)
    return false
  }

  /** Closes every connection to `peer`; it may connect again (unlike a ban). */
  async hangUp(peer: PeerRef): Promise<void> {
    let id: PeerId
    try {
      id = peerIdFromString(peer)
    } catch (err) {
      throw new NetError('INVALID_OPTION', `${peer} is not a peer id`, { cause: err })
    }
    await this.#components.connectionManager.closeConnections(id)
  }

  /**
   * Sets the application-specific part of every peer's gossipsub score (P5,
   * weighed by `appSpecificWeight`), e.g. a routing optimiser's peer score, so
   * the mesh keeps the better peers; `undefined` sets it back to 0. `createNode`
   * wires gossipsub to {@link appSpecificScore}, which asks this function.
   */
  setAppSpecificScore(score: ((peer: PeerRef) => number) | undefined): void {
    this.#appSpecificScore = score
  }

  /** The application-specific score of `peer`: what the function given to {@link setAppSpecificScore} says, or 0. */
  appSpecificScore(peer: PeerRef): number {
    const score = this.#appSpecificScore?.(peer) ?? 0
    return Number.isFinite(score) ? score : 0
  }

  /** `peer`'s gossipsub score as this node sees it: below zero once it relayed invalid messages. */
  gossipScore(peer: PeerRef): number {
    return (this.#components.pubsub as ScoredGossipSub).getScore(peer)
  }

  #unsubscribe(topic: string): void {
    const pubsub = this.#components.pubsub
    this.#topicHandlers.delete(topic)
    pubsub.topicValidators.delete(topic)
    pubsub.unsubscribe(topic)
  }

  /** Gossipsub validation for `topic`: rationing, then the envelope, then the subscriber's own verdict. */
  #validator(topic: string, handler: TopicHandler): TopicValidatorFn {
    const channel = `topic:${topic}`
    return (peerId, message) => {
      const from = peerId.toString()
      // StrictNoSign: gossipsub itself refuses messages that carry its signature fields.
      if (message.type !== 'unsigned') return TopicValidatorResult.Reject
      const now = this.clock.now()
      const budget = this.rationing.admit(from, channel, message.data.length, now)
      if (budget.action === 'disconnect') {
        this.#disconnect(from, budget.reason)
        return TopicValidatorResult.Ignore
      }
      // A relay over budget loses the message, not standing: it may be forwarding others' traffic.
      if (budget.action === 'delay') return TopicValidatorResult.Ignore
      const options = { limits: this.limits, replay: this.#replay, cache: this.verificationCache, now, beforeSignature: this.#admission(topic, from, now) }
      // Under load, verify on the thread pool, many in parallel; when quiet, inline: a thread hop costs more latency than it saves.
      if (this.#topicLoad.add(now) > this.#offThreadAbove) {
        const validate = async (): Promise<TopicValidatorResult> => {
          await openEnvelopeAsync(message.data, options)
          return GOSSIP_VERDICT[await handler({ from, topic, bytes: message.data })]
        }
        return validate().catch((err: unknown) => this.#refused(topic, from, err))
      }
      try {
        openEnvelope(message.data, options)
        const verdict = handler({ from, topic, bytes: message.data })
        return verdict instanceof Promise ? verdict.then((v) => GOSSIP_VERDICT[v], (err: unknown) => this.#refused(topic, from, err)) : GOSSIP_VERDICT[verdict]
      } catch (err) {
        return this.#refused(topic, from, err)
      }
    }
  }

  /** The topic's admission checks as `openEnvelope` runs them, after the replay window and before the signature; none when it has none. */
  #admission(topic: string, from: PeerRef, now: number): ((envelope: Envelope, id: string, hash: Uint8Array, signing: Uint8Array) => void) | undefined {
    const checks = this.#admissions.get(topic)
    if (checks === undefined) return undefined
    return (envelope, _id, _hash, signingBytes) => {
      const admission = { topic, from, author: envelope.author, kind: envelope.kind, stamp: envelope.stamp, signingBytes, now }
      for (const check of checks) check(admission)
    }
  }

  /** A DscsError from opening or handling a topic message rejects it; anything else is a subscriber's bug. */
  #refused(topic: string, from: PeerRef, err: unknown): TopicValidatorResult {
    if (!isDscsError(err)) {
      this.#log.error('subscriber of %s failed: %e', topic, err)
      return TopicValidatorResult.Ignore
    }
    // Stamped copies of one envelope are different gossip messages there: the second an honest relay passes on is no offence.
    if (err.code === 'REPLAYED' && this.admits(topic)) return TopicValidatorResult.Ignore
    // Rejection lowers the relay's gossipsub score; the count is kept for observability.
    this.#record(from, err.code)
    return TopicValidatorResult.Reject
  }

  #maxMessageBytes(protocol: ProtocolId): number {
    return this.#maxMessages.get(protocol) ?? this.limits.maxEnvelopeBytes
  }

  /** Reads frames from an inbound stream until it ends, within the sender's budget. */
  async #readStream(protocol: ProtocolId, stream: Stream, from: PeerRef): Promise<void> {
    const handler = this.#directHandlers.get(protocol)
    if (handler === undefined) return stream.abort(new NetError('SEND_FAILED', `no handler for ${protocol}`))
    if (this.isBanned(from)) return stream.abort(new NetError('SEND_FAILED', 'banned for flooding'))
    try {
      for await (const bytes of decodeFrames(stream, { maxFrameBytes: this.#maxMessageBytes(protocol) })) {
        const budget = this.rationing.admit(from, protocol, bytes.length, this.clock.now())
        if (budget.action === 'disconnect') {
          this.#disconnect(from, budget.reason)
          return stream.abort(new NetError('SEND_FAILED', budget.reason))
        }
        // Holding the read back holds the sender back too: yamux stops granting it window.
        if (budget.action === 'delay') await sleep(budget.delayMs)
        try {
          await handler({ from, protocol, bytes })
        } catch (err) {
          // A DscsError is bad input from the sender; anything else is a bug in the handler, which must not end the stream.
          if (isDscsError(err)) this.penalise(from, err.code)
          else this.#log.error('handler of %s failed: %e', protocol, err)
        }
      }
    } catch (err) {
      if (isDscsError(err)) {
        this.penalise(from, err.code)
        stream.abort(err)
      } else if (stream.status === 'open') {
        this.#log('stream %s from %s ended: %e', protocol, from, err)
      }
    }
  }

  #record(peer: PeerRef, code: string): void {
    let record = this.#penalties.get(peer)
    if (record === undefined) {
      record = { total: 0, byCode: new Map() }
      this.#penalties.set(peer, record)
    }
    record.total++
    record.byCode.set(code, (record.byCode.get(code) ?? 0) + 1)
  }

  #disconnect(peer: PeerRef, reason: string): void {
    this.#log('disconnecting %s for %d ms: %s', peer, this.#banMs, reason)
    this.#record(peer, 'RATIONED')
    this.#banned.set(peer, this.clock.now() + this.#banMs)
    void this.#components.connectionManager.closeConnections(peerIdFromString(peer)).catch(() => {})
  }

  #outboundStream(key: string, to: PeerRef, protocol: ProtocolId): Promise<Stream> {
    let pending = this.#outbound.get(key)
    if (pending === undefined) {
      pending = this.#components.connectionManager.openStream(peerIdFromString(to), protocol, { runOnLimitedConnection: true })
      this.#outbound.set(key, pending)
      pending.then(
        (stream) => stream.addEventListener('close', () => this.#outbound.get(key) === pending && this.#outbound.delete(key), { once: true }),
        () => this.#outbound.get(key) === pending && this.#outbound.delete(key)
      )
    }
    return pending
  }

  readonly #onConnect = (event: CustomEvent<PeerId>): void => this.#emitPeer({ type: 'connect', peer: event.detail.toString() })

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    const peer = event.detail.toString()
    this.rationing.forget(peer)
    for (const key of this.#outbound.keys()) if (key.startsWith(`${peer}\n`)) this.#outbound.delete(key)
    this.#emitPeer({ type: 'disconnect', peer })
  }

  #emitPeer(event: PeerEvent): void {
    for (const listener of this.#peerListeners) {
      try {
        listener(event)
      } catch (err) {
        this.#log.error('peer listener failed: %e', err)
      }
    }
  }
}

const GOSSIP_VERDICT: Record<MessageVerdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject
}

/** `address` ending in `/p2p/<peer>`, or nothing when it does not parse or names another peer. */
function dialAddress(address: string, peer: PeerRef): Multiaddr[] {
  let parsed: Multiaddr
  try {
    parsed = multiaddr(address)
  } catch {
    return []
  }
  // Only a last `/p2p/` names the peer: an earlier one is a relay's.
  const last = parsed.getComponents().at(-1)
  if (last?.name !== 'p2p') return [parsed.encapsulate(`/p2p/${peer}`)]
  return last.value === peer ? [parsed] : []
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
