import { isDscsError, type CoreEffect, type PeerRef, type ProtocolCore } from '@dscs/interface'
import { ReplayGuard, openMessage, sealPayload, type Identity, type VerificationCache } from '@dscs/identity'
import { WireError, decodePayload, type Envelope } from '@dscs/wire'
import { isSignedByAccuser, isSignedByMember, signAlive, signSuspicion } from './alive.js'
import {
  DEFAULT_DEGRADED_LOSS,
  DEFAULT_INDIRECT_PROBES,
  DEFAULT_MAX_CLOCK_SKEW,
  DEFAULT_MAX_HEALTH,
  DEFAULT_MAX_MEMBERS,
  DEFAULT_MAX_NEW_SUSPICIONS,
  DEFAULT_MAX_RELAYED_PER_PERIOD,
  DEFAULT_MAX_SEEN_ENVELOPES,
  DEFAULT_PERIOD,
  DEFAULT_PROBE_TIMEOUT,
  DEFAULT_RETRANSMIT_MULTIPLIER,
  DEFAULT_SUSPICION_CONFIRMATIONS,
  DEFAULT_SUSPICION_MAX_MULTIPLIER,
  DEFAULT_SUSPICION_MULTIPLIER,
  MAX_ENVELOPE_BYTES,
  MAX_UPDATES_PER_MESSAGE,
  PROTOCOL_ID
} from './constants.js'
import { SoftPartitionError } from './errors.js'
import { GossipQueue } from './gossip.js'
import { LocalHealth } from './health.js'
import { LinkTable, type LinkClass, type LinkQuality, type LinkThresholds } from './links.js'
import { sameKey, suspicionTimeout, type KnownMember, type Member, type MemberRecord, type Suspicion } from './membership.js'
import { PartitionView, type PartitionChange, type PartitionState } from './partition.js'
import { MESSAGE_TYPES, RelayedPayload, SwimPayload, UPDATE_STATES, type UpdatePayload } from './messages.js'

/** The options of the failure detector; every one but the identity, the peer id and randomness has a default. */
export interface SwimOptions {
  /** This node's Ed25519 identity: it signs every envelope and this node's alive updates. */
  readonly identity: Identity
  /** This node's own peer id, as others address it. */
  readonly self: PeerRef
  /** `length` fresh random bytes: `crypto.getRandomValues` for real, a seeded source in simulation. */
  readonly randomBytes: (length: number) => Uint8Array
  /** Members known from the start (seeds): probed at once, and their updates must carry these keys. */
  readonly members?: readonly KnownMember[]
  /** This node's first incarnation: 0 for a new node; a restarted one starts above any it announced before. */
  readonly incarnation?: number
  /** The protocol period: one member probed per period, in milliseconds. Default 1 000. */
  readonly period?: number
  /** How long a direct probe waits for its ack before asking others, in milliseconds. Default 300. */
  readonly probeTimeout?: number
  /** Members asked to probe on this node's behalf when a direct probe fails (SWIM's k). Default 3. */
  readonly indirectProbes?: number
  /**
   * Shortest suspicion, reached with enough independent accusers: this many
   * times log10(members) periods, the time a refutation takes to spread. Default 4.
   */
  readonly suspicionMultiplier?: number
  /** Longest suspicion, with a single accuser, as a multiple of the shortest. Default 3. */
  readonly suspicionMaxMultiplier?: number
  /** Independent confirmations that bring a suspicion down to its shortest. Default 3. */
  readonly suspicionConfirmations?: number
  /** SWIM's λ: each update is piggybacked λ·log10(n+1) times. Default 6. */
  readonly retransmitMultiplier?: number
  /** Lifeguard's local health awareness; off only to measure what it is worth. Default true. */
  readonly lifeguard?: boolean
  /** Highest local health score: timeouts stretch at most `1 + maxHealth` times. Default 8. */
  readonly maxHealth?: number
  /** Most members tracked; alive updates about more are ignored. Default 10 000. */
  readonly maxMembers?: number
  /** Most new suspicions one peer may start in one period; more are a flood, refused and penalised. Default 4. */
  readonly maxNewSuspicions?: number
  /** Most messages this node relays for one origin in one period; more are a flood, refused and penalised. Default 16. */
  readonly maxRelayedPerPeriod?: number
  /** Loss from which a link counts as degraded. Default 0.1. */
  readonly degradedLoss?: number
  /** Smoothed round trip from which a link counts as degraded, in milliseconds. Default half the probe timeout. */
  readonly degradedRtt?: number
  /** Where peer ids derive from keys (libp2p), the peer id of a key, so an update cannot bind a peer to a foreign key. */
  readonly peerOfKey?: (publicKey: Uint8Array) => PeerRef
  /** The replay window, in milliseconds. Default 60 000. */
  readonly maxClockSkew?: number
  /** Most envelopes remembered to refuse replays. Default 10 000. */
  readonly maxSeenEnvelopes?: number
  /** The node's shared signature verdicts, so an envelope is never verified twice on a node. */
  readonly verificationCache?: VerificationCache
}

/** What the failure detector reports. */
export type SwimEvent =
  /** A member this node did not know announced itself. */
  | { readonly type: 'member-joined'; readonly peer: PeerRef; readonly incarnation: number }
  /** A suspected or down member proved alive at a newer incarnation. */
  | { readonly type: 'member-alive'; readonly peer: PeerRef; readonly incarnation: number }
  /** A member that joined or came back by others' word answered this node (directly or through a relay): it counts in the component now. */
  | { readonly type: 'member-reached'; readonly peer: PeerRef }
  /** A member failed a probe (this node's or another's) and is suspected until it refutes. */
  | { readonly type: 'member-suspect'; readonly peer: PeerRef; readonly incarnation: number }
  /** A suspicion ran out: the member is down. */
  | { readonly type: 'member-down'; readonly peer: PeerRef; readonly incarnation: number }
  /** This node was suspected and refuted it at a new incarnation. */
  | { readonly type: 'refuted'; readonly incarnation: number }
  /** The class of the link to a member changed. */
  | { readonly type: 'link'; readonly quality: LinkQuality }
  /** Data a member sent this node with {@link SwimCore.send}: directly, or `via` the member that relayed it. */
  | { readonly type: 'message'; readonly from: PeerRef; readonly via: PeerRef | undefined; readonly data: Uint8Array }
  /** This node forwarded a member's data to another member its sender cannot reach directly. */
  | { readonly type: 'relayed'; readonly from: PeerRef; readonly to: PeerRef }
  /** The component this node believes it is in changed: a new epoch. */
  | ({ readonly type: 'partition' } & PartitionChange)

interface Probe {
  readonly target: PeerRef
  readonly seq: number
  readonly sentAt: number
  readonly directDeadline: number
  directFailed: boolean
  answered: boolean
  relays: readonly PeerRef[]
  nacks: number
}

interface Relay {
  readonly origin: PeerRef
  readonly originSeq: number
  readonly target: PeerRef
  readonly sentAt: number
  readonly deadline: number
}

/** A message whose envelope passed every check but its signature: a Swim message, or data to deliver or forward. */
type Received = ReceivedSwim | { readonly kind: 'relayed'; readonly relayed: RelayedPayload; readonly forward: boolean }

interface ReceivedSwim {
  readonly kind: 'swim'
  readonly type: number
  readonly seq: number
  readonly target: string
  readonly updates: readonly UpdatePayload[]
}

type Effects = CoreEffect<SwimEvent>[]

const WIRE_LIMITS = { maxEnvelopeBytes: MAX_ENVELOPE_BYTES }
// Relayed probes in flight at once: a ping-req beyond this is ignored, so askers cannot make this node ping without bound.
const MAX_RELAYS = 64
const SEQ_MODULUS = 2 ** 32
// Members looked at for one message's anti-entropy update: bounded work per message, whatever the membership.
const SPREAD_ATTEMPTS = 4
// The events after which the component may have moved: a member joined, came back or went down.
const COMPONENT_EVENTS: ReadonlySet<SwimEvent['type']> = new Set(['member-joined', 'member-alive', 'member-reached', 'member-down'])

/**
 * SWIM with Lifeguard, as a sans-I/O `ProtocolCore` of `@dscs/interface`:
 * every period one member is pinged; without an ack within the probe
 * timeout, k others are asked to ping it (ping-req) and answer with an ack or
 * a nack; a member neither reaches is suspected, and down once its suspicion
 * runs out unless it refutes with a higher incarnation in an alive update it
 * signed itself. Updates ride on every message, each a bounded number of
 * times. Timeouts stretch with the local health score (Lifeguard), and every
 * probe feeds the link table that classifies each member's link.
 *
 * Received bytes are checked cheapest first: size, decoding, replay window,
 * kind and payload, the sender's bound key, then the envelope's signature;
 * an alive update's own signature is checked only when it would change the
 * membership. Bad input becomes a `penalise` effect and changes nothing.
 */
export class SwimCore implements ProtocolCore<SwimEvent> {
  readonly #identity: Identity
  readonly #self: PeerRef
  readonly #randomBytes: (length: number) => Uint8Array
  readonly #period: number
  readonly #probeTimeout: number
  readonly #indirectProbes: number
  readonly #suspicionMultiplier: number
  readonly #suspicionMaxMultiplier: number
  readonly #confirmationsNeeded: number
  readonly #lifeguard: boolean
  readonly #maxMembers: number
  readonly #maxNewSuspicions: number
  readonly #maxRelayedPerPeriod: number
  readonly #thresholds: LinkThresholds
  readonly #peerOfKey: ((publicKey: Uint8Array) => PeerRef) | undefined
  readonly #replay: ReplayGuard
  readonly #verificationCache: VerificationCache | undefined
  readonly #health: LocalHealth
  readonly #gossip: GossipQueue
  readonly #links = new LinkTable()
  readonly #members = new Map<PeerRef, MemberRecord>()
  readonly #suspicions = new Map<PeerRef, Suspicion>()
  // The members held down, so a period finds one to ping without scanning the membership.
  readonly #down = new Set<PeerRef>()
  readonly #relays = new Map<number, Relay>()
  // New suspicions each peer started this period; cleared every period.
  readonly #suspicionsStarted = new Map<PeerRef, number>()
  // Messages relayed for each origin this period; cleared every period.
  readonly #relayedFor = new Map<PeerRef, number>()
  readonly #linkClasses = new Map<PeerRef, LinkClass>()
  readonly #view: PartitionView
  // A link changed class since the view's direct and indirect lists were computed.
  #viewStale = false
  #incarnation: number
  // This node's alive update at its current incarnation, signed once and carried by every ping.
  #ownAlive: UpdatePayload
  #order: PeerRef[] = []
  #cursor = 0
  // Every member in the order this node learnt of it, and the next whose alive update a message carries besides the gossip.
  readonly #spreadOrder: PeerRef[] = []
  #spreadCursor = 0
  // Members whose incarnation rose (a refutation or a restart), until when their new alive update takes every other
  // anti-entropy slot: a member that missed it while the gossip ran would otherwise keep a stale suspicion to its end.
  readonly #refuted = new Map<PeerRef, number>()
  // Until when a heal is in progress (a member came back from down): members still held down take every fourth
  // anti-entropy slot as their suspicion, so one this node cannot reach (and whose own side never suspected it) hears
  // of it through whoever passes it on, and refutes.
  #healingUntil = 0
  #spreadTurn = 0
  #seq = 0
  #probe: Probe | undefined
  #nextPeriodAt: number | undefined

  constructor(options: SwimOptions) {
    this.#identity = options.identity
    this.#self = options.self
    this.#randomBytes = options.randomBytes
    this.#period = positive(options.period, DEFAULT_PERIOD, 'period')
    this.#probeTimeout = positive(options.probeTimeout, DEFAULT_PROBE_TIMEOUT, 'probeTimeout')
    if (this.#probeTimeout >= this.#period) throw new SoftPartitionError('INVALID_OPTION', 'probeTimeout must be shorter than period')
    this.#indirectProbes = positive(options.indirectProbes, DEFAULT_INDIRECT_PROBES, 'indirectProbes')
    this.#suspicionMultiplier = positive(options.suspicionMultiplier, DEFAULT_SUSPICION_MULTIPLIER, 'suspicionMultiplier')
    this.#suspicionMaxMultiplier = positive(options.suspicionMaxMultiplier, DEFAULT_SUSPICION_MAX_MULTIPLIER, 'suspicionMaxMultiplier')
    if (this.#suspicionMaxMultiplier < 1) throw new SoftPartitionError('INVALID_OPTION', 'suspicionMaxMultiplier is below 1')
    this.#confirmationsNeeded = positive(options.suspicionConfirmations, DEFAULT_SUSPICION_CONFIRMATIONS, 'suspicionConfirmations')
    this.#lifeguard = options.lifeguard ?? true
    this.#maxMembers = positive(options.maxMembers, DEFAULT_MAX_MEMBERS, 'maxMembers')
    this.#maxNewSuspicions = positive(options.maxNewSuspicions, DEFAULT_MAX_NEW_SUSPICIONS, 'maxNewSuspicions')
    this.#maxRelayedPerPeriod = positive(options.maxRelayedPerPeriod, DEFAULT_MAX_RELAYED_PER_PERIOD, 'maxRelayedPerPeriod')
    this.#thresholds = {
      degradedLoss: positive(options.degradedLoss, DEFAULT_DEGRADED_LOSS, 'degradedLoss'),
      degradedRtt: positive(options.degradedRtt, this.#probeTimeout / 2, 'degradedRtt')
    }
    this.#peerOfKey = options.peerOfKey
    this.#replay = new ReplayGuard({
      windowMs: positive(options.maxClockSkew, DEFAULT_MAX_CLOCK_SKEW, 'maxClockSkew'),
      maxEntries: positive(options.maxSeenEnvelopes, DEFAULT_MAX_SEEN_ENVELOPES, 'maxSeenEnvelopes')
    })
    this.#verificationCache = options.verificationCache
    this.#health = new LocalHealth(positive(options.maxHealth, DEFAULT_MAX_HEALTH, 'maxHealth'))
    this.#gossip = new GossipQueue(positive(options.retransmitMultiplier, DEFAULT_RETRANSMIT_MULTIPLIER, 'retransmitMultiplier'))
    this.#view = new PartitionView(this.#self)
    this.#incarnation = options.incarnation ?? 0
    this.#ownAlive = signAlive(this.#identity, this.#self, this.#incarnation)
    for (const member of options.members ?? []) {
      if (member.peer === this.#self || this.#members.size >= this.#maxMembers) continue
      this.#members.set(member.peer, { publicKey: member.publicKey, incarnation: 0, state: 'alive', reached: true })
      this.#spreadOrder.push(member.peer)
    }
    this.#view.refresh(this.members(), () => 'unknown')
  }

  /** Starts the protocol at `now`: announces this node (so members learn of it or of its restart) and probes from the next tick. */
  start(now: number): void {
    this.#gossip.add(this.#ownAlive)
    this.#nextPeriodAt = now
  }

  /** This node's current incarnation. */
  get incarnation(): number {
    return this.#incarnation
  }

  /** Lifeguard's local health score: 0 when healthy; every timeout is stretched `1 + score` times. */
  get health(): number {
    return this.#health.score
  }

  /** Every member but this node, as this node sees it. */
  members(): Member[] {
    return [...this.#members].map(([peer, record]) => ({ peer, publicKey: record.publicKey, incarnation: record.incarnation, state: record.state, reached: record.reached }))
  }

  /** The component this node believes it is in, and whether it holds a majority. */
  partition(): PartitionState {
    if (this.#viewStale) this.#refreshView()
    return this.#view.state
  }

  /** The quality of this node's link to `peer`. */
  link(peer: PeerRef): LinkQuality {
    return this.#links.quality(peer, this.#thresholds)
  }

  /** A new connection: a peer not yet a member is pinged, which introduces this node and brings its answer. */
  peerConnected(peer: PeerRef, now: number): Effects {
    if (this.#members.has(peer) || this.#nextPeriodAt === undefined) return []
    const effects: Effects = []
    this.#send(peer, MESSAGE_TYPES.ping, this.#nextSeq(), '', now, effects)
    return effects
  }

  /**
   * Sends `data` (at most 2 KiB) to member `to`, signed by this node: directly, or, while this node's direct link
   * to it is cut (`indirect` or `asymmetric`), through the member that last reached it on this node's behalf.
   * Returns that relay (undefined when sent directly) and the effects. Throws SoftPartitionError `NOT_A_MEMBER`
   * for a peer not a member, `BAD_MESSAGE` for too much data.
   */
  send(to: PeerRef, data: Uint8Array, now: number): { readonly via: PeerRef | undefined; readonly effects: Effects } {
    if (!this.#members.has(to)) throw new SoftPartitionError('NOT_A_MEMBER', `${to} is not a member`)
    const quality = this.#links.quality(to, this.#thresholds)
    const cut = quality.class === 'indirect' || quality.class === 'asymmetric'
    const via = cut && quality.via !== undefined && this.#members.get(quality.via)?.state === 'alive' ? quality.via : undefined
    const bytes = sealPayload(this.#identity, RelayedPayload, { origin: this.#self, target: to, relay: via ?? '', data }, now, WIRE_LIMITS)
    return { via, effects: [{ type: 'send', to: via ?? to, bytes }] }
  }

  /** Handles a message on {@link PROTOCOL_ID}, the core's one protocol. */
  receive(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    let message: Received
    try {
      message = openMessage(bytes, { limits: WIRE_LIMITS, replay: this.#replay, cache: this.#verificationCache, now }, (envelope) => this.#read(from, envelope))
    } catch (err) {
      // Hostile input fails with a typed error; any other exception is a bug and must surface.
      if (!isDscsError(err)) throw err
      return [{ type: 'penalise', peer: from, error: err }]
    }
    this.#links.heard(from, now)
    if (message.kind === 'relayed') return this.#onRelayed(from, message.relayed, message.forward, bytes)
    const effects: Effects = []
    try {
      for (const update of message.updates) this.#apply(from, update, now, effects)
    } catch (err) {
      if (!isDscsError(err)) throw err
      effects.push({ type: 'penalise', peer: from, error: err })
      return effects
    }
    // Signed by the sender's own key (checked in #read) and fresh (the replay guard): the member itself is heard.
    this.#reached(from, effects)
    this.#answer(from, message, now, effects)
    return this.#withView(effects)
  }

  /** Runs what is due by `now`: relayed probes that ran out, the direct probe's timeout, suspicions, and a new period. */
  tick(now: number): Effects {
    const effects: Effects = []
    // Lifeguard: a tick far behind its own deadline means this node is too slow to judge others on time.
    const due = this.nextDeadline()
    if (this.#lifeguard && due !== undefined && now - due > this.#probeTimeout / 2) this.#health.worse()
    for (const [seq, relay] of this.#relays) {
      if (now < relay.deadline) continue
      this.#relays.delete(seq)
      this.#probed(relay.target, undefined, now, effects)
      this.#send(relay.origin, MESSAGE_TYPES.nack, relay.originSeq, relay.target, now, effects)
    }
    const probe = this.#probe
    if (probe !== undefined && !probe.answered && !probe.directFailed && now >= probe.directDeadline) this.#askOthers(probe, now, effects)
    for (const [peer, suspicion] of this.#suspicions) {
      if (now < this.#suspicionDeadline(suspicion)) continue
      this.#suspicions.delete(peer)
      const member = this.#members.get(peer)
      if (member === undefined || member.state !== 'suspect') continue
      member.state = 'down'
      this.#down.add(peer)
      effects.push({ type: 'emit', event: { type: 'member-down', peer, incarnation: member.incarnation } })
    }
    if (this.#nextPeriodAt !== undefined && now >= this.#nextPeriodAt) this.#newPeriod(now, effects)
    return this.#withView(effects)
  }

  // After a membership event the component may have moved: a partition event with its new epoch. A link event only
  // moves a member between the direct and indirect lists, recomputed when next asked for (O(members) each time).
  #withView(effects: Effects): Effects {
    let moves = false
    for (const effect of effects) {
      if (effect.type !== 'emit') continue
      if (COMPONENT_EVENTS.has(effect.event.type)) moves = true
      else if (effect.event.type === 'link') this.#viewStale = true
    }
    if (!moves) return effects
    const change = this.#refreshView()
    if (change !== undefined) effects.push({ type: 'emit', event: { type: 'partition', ...change } })
    return effects
  }

  #refreshView(): PartitionChange | undefined {
    this.#viewStale = false
    return this.#view.refresh(this.members(), (peer) => this.#links.quality(peer, this.#thresholds).class)
  }

  nextDeadline(): number | undefined {
    let deadline = this.#nextPeriodAt
    const earlier = (at: number): void => {
      if (deadline === undefined || at < deadline) deadline = at
    }
    if (this.#probe !== undefined && !this.#probe.answered && !this.#probe.directFailed) earlier(this.#probe.directDeadline)
    for (const relay of this.#relays.values()) earlier(relay.deadline)
    for (const suspicion of this.#suspicions.values()) earlier(this.#suspicionDeadline(suspicion))
    return deadline
  }

  #suspicionDeadline(suspicion: Suspicion): number {
    // As memberlist: the shortest grows with log10 of the membership, since a refutation needs that many periods to spread.
    const min = this.#shortestSuspicion()
    const timeout = suspicionTimeout(suspicion.confirmations.size, this.#confirmationsNeeded, min, min * this.#suspicionMaxMultiplier)
    // Not stretched by local health, as in Lifeguard: independent accusers, not this node's pace, shorten it.
    return suspicion.since + timeout
  }

  #shortestSuspicion(): number {
    return this.#suspicionMultiplier * Math.max(1, Math.log10(this.#members.size + 1)) * this.#period
  }

  #longestSuspicion(): number {
    return this.#shortestSuspicion() * this.#suspicionMaxMultiplier
  }

  #newPeriod(now: number, effects: Effects): void {
    const finished = this.#probe
    if (finished !== undefined) this.#finishProbe(finished, now, effects)
    this.#suspicionsStarted.clear()
    this.#relayedFor.clear()
    const multiplier = this.#health.multiplier
    this.#nextPeriodAt = now + this.#period * multiplier
    this.#pingTheDown(now, effects)
    const target = this.#nextTarget()
    if (target === undefined) {
      this.#probe = undefined
      return
    }
    const seq = this.#nextSeq()
    this.#probe = { target, seq, sentAt: now, directDeadline: now + this.#probeTimeout * multiplier, directFailed: false, answered: false, relays: [], nacks: 0 }
    this.#send(target, MESSAGE_TYPES.ping, seq, '', now, effects)
  }

  // As memberlist gossips to the dead: one member held down is pinged each period, so a healed partition rejoins.
  #pingTheDown(now: number, effects: Effects): void {
    if (this.#down.size === 0) return
    const down = [...this.#down]
    this.#send(down[this.#randomInt(down.length)]!, MESSAGE_TYPES.ping, this.#nextSeq(), '', now, effects)
  }

  #finishProbe(probe: Probe, now: number, effects: Effects): void {
    if (probe.answered) {
      if (!probe.directFailed && this.#lifeguard) this.#health.better()
      return
    }
    // Lifeguard: relays that answered neither ack nor nack point at this node's own links, not the target's.
    if (this.#lifeguard && probe.nacks < probe.relays.length) this.#health.worse()
    const member = this.#members.get(probe.target)
    if (member === undefined) return
    const suspicion = this.#suspicions.get(probe.target)
    // As memberlist: this node's own failed probe is an independent accusation, passed on so others count it too.
    if (suspicion !== undefined && this.#confirm(suspicion, this.#self)) this.#gossip.add(this.#accuse(probe.target, member))
    if (member.state !== 'alive') return
    this.#suspect(probe.target, member, this.#accuse(probe.target, member), now, effects)
  }

  #accuse(peer: PeerRef, member: MemberRecord): UpdatePayload {
    return signSuspicion(this.#identity, this.#self, peer, member.publicKey, member.incarnation)
  }

  #askOthers(probe: Probe, now: number, effects: Effects): void {
    probe.directFailed = true
    this.#probed(probe.target, undefined, now, effects)
    const candidates = [...this.#members].filter(([peer, member]) => peer !== probe.target && member.state === 'alive').map(([peer]) => peer)
    probe.relays = this.#sample(candidates, this.#indirectProbes)
    for (const relay of probe.relays) this.#send(relay, MESSAGE_TYPES.pingReq, probe.seq, probe.target, now, effects)
  }

  #answer(from: PeerRef, message: ReceivedSwim, now: number, effects: Effects): void {
    switch (message.type) {
      case MESSAGE_TYPES.ping:
        this.#send(from, MESSAGE_TYPES.ack, message.seq, '', now, effects)
        return
      case MESSAGE_TYPES.pingReq:
        this.#relay(from, message, now, effects)
        return
      case MESSAGE_TYPES.ack:
        this.#acked(from, message, now, effects)
        return
      default:
        if (this.#probe?.seq === message.seq && this.#probe.target === message.target && this.#probe.relays.includes(from)) this.#probe.nacks += 1
    }
  }

  #relay(origin: PeerRef, message: ReceivedSwim, now: number, effects: Effects): void {
    // Only known members are probed for others, and only so many at once: no reflection, no amplification.
    if (this.#relays.size >= MAX_RELAYS || !this.#members.has(message.target) || message.target === origin) return
    const seq = this.#nextSeq()
    this.#relays.set(seq, { origin, originSeq: message.seq, target: message.target, sentAt: now, deadline: now + this.#probeTimeout * this.#health.multiplier })
    this.#send(message.target, MESSAGE_TYPES.ping, seq, '', now, effects)
  }

  #acked(from: PeerRef, message: ReceivedSwim, now: number, effects: Effects): void {
    const probe = this.#probe
    if (probe !== undefined && probe.seq === message.seq && !probe.answered) {
      if (from === probe.target && message.target === '') {
        probe.answered = true
        // An ack after the direct timeout already counted as a loss.
        if (!probe.directFailed) this.#probed(from, now - probe.sentAt, now, effects)
        return
      }
      if (message.target === probe.target && probe.relays.includes(from)) {
        probe.answered = true
        this.#links.reachedVia(probe.target, from, now)
        this.#noteLink(probe.target, effects)
        this.#reached(probe.target, effects)
        return
      }
    }
    const relay = this.#relays.get(message.seq)
    if (relay === undefined || relay.target !== from) return
    this.#relays.delete(message.seq)
    this.#probed(from, now - relay.sentAt, now, effects)
    this.#send(relay.origin, MESSAGE_TYPES.ack, relay.originSeq, relay.target, now, effects)
  }

  #probed(peer: PeerRef, rtt: number | undefined, now: number, effects: Effects): void {
    this.#links.probed(peer, rtt, now)
    this.#noteLink(peer, effects)
  }

  #noteLink(peer: PeerRef, effects: Effects): void {
    const quality = this.#links.quality(peer, this.#thresholds)
    if (this.#linkClasses.get(peer) === quality.class) return
    this.#linkClasses.set(peer, quality.class)
    effects.push({ type: 'emit', event: { type: 'link', quality } })
  }

  #apply(from: PeerRef, update: UpdatePayload, now: number, effects: Effects): void {
    if (update.state === UPDATE_STATES.alive) this.#applyAlive(from, update, now, effects)
    else this.#applySuspect(from, update, now, effects)
  }

  #applyAlive(from: PeerRef, update: UpdatePayload, now: number, effects: Effects): void {
    if (update.member === this.#self) return
    const known = this.#members.get(update.member)
    // Cheap before expensive: a stale update costs no signature check.
    if (known !== undefined && update.incarnation <= known.incarnation) {
      // A member known from the start, at its first incarnation: its signed update is checked once, then held to pass on.
      if (known.alive !== undefined || update.incarnation < known.incarnation || !sameKey(known.publicKey, update.publicKey)) return
      if (!isSignedByMember(update)) throw new SoftPartitionError('FORGED_UPDATE', `alive update for ${update.member} not signed by it`)
      known.alive = update
      return
    }
    if (known !== undefined && !sameKey(known.publicKey, update.publicKey)) {
      throw new SoftPartitionError('KEY_MISMATCH', `alive update binds ${update.member} to a key other than its own`)
    }
    if (known === undefined && this.#members.size >= this.#maxMembers) return
    if (this.#peerOfKey !== undefined && this.#peerOfKey(update.publicKey) !== update.member) {
      throw new SoftPartitionError('KEY_MISMATCH', `the key of alive update for ${update.member} is another peer's`)
    }
    if (!isSignedByMember(update)) throw new SoftPartitionError('FORGED_UPDATE', `alive update for ${update.member} not signed by it`)
    const wasUp = known?.state === 'alive'
    // A member back from down, or new, by others' word may be an update signed before a split: it counts once heard from.
    const reached = from === update.member || (known !== undefined && known.state !== 'down' && known.reached)
    this.#members.set(update.member, { publicKey: update.publicKey, incarnation: update.incarnation, state: 'alive', reached, alive: update })
    this.#down.delete(update.member)
    this.#suspicions.delete(update.member)
    this.#gossip.add(update)
    if (known !== undefined) this.#refuted.set(update.member, now + this.#longestSuspicion())
    if (known?.state === 'down') this.#healingUntil = now + this.#longestSuspicion()
    if (known === undefined) {
      this.#order.splice(this.#randomInt(this.#order.length + 1), 0, update.member)
      this.#spreadOrder.push(update.member)
      effects.push({ type: 'emit', event: { type: 'member-joined', peer: update.member, incarnation: update.incarnation } })
    } else if (!wasUp) {
      effects.push({ type: 'emit', event: { type: 'member-alive', peer: update.member, incarnation: update.incarnation } })
    }
    // Asked at once rather than at its turn in the round robin, so a heal counts it within a round trip.
    if (!reached) this.#send(update.member, MESSAGE_TYPES.ping, this.#nextSeq(), '', now, effects)
  }

  #reached(peer: PeerRef, effects: Effects): void {
    const member = this.#members.get(peer)
    if (member === undefined || member.reached || member.state === 'down') return
    member.reached = true
    effects.push({ type: 'emit', event: { type: 'member-reached', peer } })
  }

  #applySuspect(from: PeerRef, update: UpdatePayload, now: number, effects: Effects): void {
    if (update.member === this.#self) {
      if (update.incarnation < this.#incarnation || !this.#signedByAccuser(update)) return
      // Refute: a higher incarnation, signed by this node, overrides every suspicion of the lower one.
      this.#incarnation = update.incarnation + 1
      this.#ownAlive = signAlive(this.#identity, this.#self, this.#incarnation)
      this.#gossip.add(this.#ownAlive)
      this.#refuted.set(this.#self, now + this.#longestSuspicion())
      if (this.#lifeguard) this.#health.worse()
      effects.push({ type: 'emit', event: { type: 'refuted', incarnation: this.#incarnation } })
      return
    }
    const member = this.#members.get(update.member)
    if (member === undefined || member.state === 'down' || update.incarnation < member.incarnation) return
    if (!sameKey(member.publicKey, update.publicKey)) throw new SoftPartitionError('KEY_MISMATCH', `suspicion names ${update.member} with a foreign key`)
    if (update.incarnation > member.incarnation) {
      throw new SoftPartitionError('FUTURE_INCARNATION', `suspicion of ${update.member} at incarnation ${update.incarnation}, above its ${member.incarnation}`)
    }
    const suspicion = this.#suspicions.get(update.member)
    if (suspicion !== undefined) {
      // Only an accuser not yet counted can shorten it: every other copy costs no signature check.
      if (!this.#countsMore(suspicion, update.accuser) || !this.#signedByAccuser(update)) return
      this.#confirm(suspicion, update.accuser)
      this.#gossip.add(update)
      return
    }
    const started = this.#suspicionsStarted.get(from) ?? 0
    if (started >= this.#maxNewSuspicions) {
      throw new SoftPartitionError('SUSPICION_FLOOD', `${from} started more than ${this.#maxNewSuspicions} suspicions this period`)
    }
    if (!this.#signedByAccuser(update)) return
    if (this.#suspicionsStarted.size < this.#maxMembers) this.#suspicionsStarted.set(from, started + 1)
    this.#suspect(update.member, member, update, now, effects)
  }

  /**
   * Whether a suspicion carries its accuser's signature: false when the accuser is no member this node knows (it
   * cannot tell; the suspicion is skipped), SoftPartitionError `FORGED_SUSPICION` when the signature is not the accuser's.
   */
  #signedByAccuser(update: UpdatePayload): boolean {
    const key = update.accuser === this.#self ? this.#identity.publicKey : this.#members.get(update.accuser)?.publicKey
    if (key === undefined) return false
    if (!isSignedByAccuser(update, key)) throw new SoftPartitionError('FORGED_SUSPICION', `suspicion of ${update.member} not signed by its accuser ${update.accuser}`)
    return true
  }

  #countsMore(suspicion: Suspicion, accuser: PeerRef): boolean {
    return suspicion.confirmations.size <= this.#confirmationsNeeded && !suspicion.confirmations.has(accuser)
  }

  // Lifeguard: each independent accuser shortens the suspicion, down to its shortest; the set stays bounded. True when it counted.
  #confirm(suspicion: Suspicion, accuser: PeerRef): boolean {
    if (!this.#countsMore(suspicion, accuser)) return false
    suspicion.confirmations.add(accuser)
    return true
  }

  #suspect(peer: PeerRef, member: MemberRecord, accusation: UpdatePayload, now: number, effects: Effects): void {
    member.state = 'suspect'
    member.accusation = accusation
    this.#suspicions.set(peer, { since: now, incarnation: member.incarnation, confirmations: new Set([accusation.accuser]) })
    this.#gossip.add(accusation)
    effects.push({ type: 'emit', event: { type: 'member-suspect', peer, incarnation: member.incarnation } })
  }

  // Round robin over a shuffled order, reshuffled each round (SWIM's bounded time to first probe); down members are skipped.
  #nextTarget(): PeerRef | undefined {
    for (let attempts = 0; attempts <= this.#order.length + 1; attempts++) {
      if (this.#cursor >= this.#order.length) {
        this.#order = this.#sample([...this.#members.keys()], this.#members.size)
        this.#cursor = 0
        if (this.#order.length === 0) return undefined
      }
      const peer = this.#order[this.#cursor++]!
      if (this.#members.get(peer)?.state !== 'down' && this.#members.has(peer)) return peer
    }
    return undefined
  }

  // `count` of `items` in random order (a partial Fisher-Yates shuffle of a copy).
  #sample<T>(items: T[], count: number): T[] {
    const copy = [...items]
    const take = Math.min(count, copy.length)
    for (let i = 0; i < take; i++) {
      const j = i + this.#randomInt(copy.length - i)
      ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
    }
    return copy.slice(0, take)
  }

  #randomInt(below: number): number {
    if (below <= 1) return 0
    const [a, b, c, d] = this.#randomBytes(4)
    return (((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0) % below
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) % SEQ_MODULUS
    return this.#seq
  }

  // Anti-entropy, as memberlist's push-pull but a member at a time: gossip reaches a member with high probability only,
  // and not at all one that joins after the gossip about the others ran out (through one member, it would know only
  // that one: not its accusers, so it could not refute them). One alive update in turn on every message: each
  // neighbour hears of every member within members/messages periods; a stale one costs its receiver no signature check.
  #nextSpread(to: PeerRef, updates: readonly UpdatePayload[], now: number): UpdatePayload | undefined {
    // Odd turns: a member refuted lately; every fourth while healing: a member held down; otherwise the rotation.
    const turn = ++this.#spreadTurn % 4
    const priority = turn % 2 === 1 ? this.#nextRefuted(to, updates, now) : turn === 2 && now < this.#healingUntil ? this.#nextDown(to, updates) : undefined
    if (priority !== undefined) return priority
    const order = this.#spreadOrder
    for (let attempts = 0; attempts < Math.min(order.length, SPREAD_ATTEMPTS); attempts++) {
      const peer = order[this.#spreadCursor++ % order.length]!
      const record = this.#members.get(peer)
      if (peer === to || record?.alive === undefined || record.state === 'down' || updates.some((u) => u.member === peer)) continue
      return record.alive
    }
    return undefined
  }

  // The alive update of a member refuted lately, each in turn (taken out and put back last); those past their time dropped.
  #nextRefuted(to: PeerRef, updates: readonly UpdatePayload[], now: number): UpdatePayload | undefined {
    for (let left = this.#refuted.size; left > 0; left--) {
      const [peer, until] = this.#refuted.entries().next().value!
      this.#refuted.delete(peer)
      if (now >= until) continue
      this.#refuted.set(peer, until)
      const record = this.#members.get(peer)
      const alive = peer === this.#self ? this.#ownAlive : record?.state === 'alive' ? record.alive : undefined
      if (peer !== to && alive !== undefined && !updates.includes(alive)) return alive
    }
    return undefined
  }

  // The suspicion of a member held down, each in turn (taken out and put back last).
  #nextDown(to: PeerRef, updates: readonly UpdatePayload[]): UpdatePayload | undefined {
    for (let left = Math.min(this.#down.size, SPREAD_ATTEMPTS); left > 0; left--) {
      const peer: PeerRef = this.#down.values().next().value!
      this.#down.delete(peer)
      this.#down.add(peer)
      const accusation = peer === to ? undefined : this.#suspicionOf(peer)
      if (accusation !== undefined && !updates.includes(accusation)) return accusation
    }
    return undefined
  }

  #suspicionOf(peer: PeerRef): UpdatePayload | undefined {
    const member = this.#members.get(peer)
    if (member === undefined || member.state === 'alive') return undefined
    // A member held down hears it as the suspicion of its incarnation, which it refutes to rejoin.
    member.accusation ??= this.#accuse(peer, member)
    return member.accusation
  }

  #read(from: PeerRef, envelope: Envelope): Received {
    if (envelope.kind === RelayedPayload.name) return this.#readRelayed(from, envelope)
    if (envelope.kind !== SwimPayload.name) throw new WireError('UNKNOWN_KIND', `${PROTOCOL_ID} carries no payload kind ${JSON.stringify(envelope.kind)}`)
    const known = this.#members.get(from)
    // The sender's messages must be signed with the key its membership binds; before the signature costs anything.
    if (known !== undefined && !sameKey(known.publicKey, envelope.author)) throw new SoftPartitionError('KEY_MISMATCH', `${from} signed with a key not its own`)
    return { kind: 'swim', ...decodePayload(envelope, SwimPayload) }
  }

  // Data moves only between members, signed by its origin, and one hop at most: a relay forwards only what the origin
  // itself handed it, and the target takes it only from the origin or from the relay the origin named.
  #readRelayed(from: PeerRef, envelope: Envelope): Received {
    const relayed = decodePayload(envelope, RelayedPayload)
    const origin = this.#members.get(relayed.origin)
    if (!this.#members.has(from) || origin === undefined) throw new SoftPartitionError('BAD_RELAY', `data from ${relayed.origin} through ${from}: not both members`)
    if (!sameKey(origin.publicKey, envelope.author)) throw new SoftPartitionError('KEY_MISMATCH', `data of ${relayed.origin} signed with a key not its own`)
    const forward = relayed.relay === this.#self && from === relayed.origin && relayed.target !== this.#self && this.#members.has(relayed.target)
    const direct = relayed.relay === '' && from === relayed.origin
    const relayedOnce = relayed.relay === from && from !== relayed.origin
    if (!forward && !(relayed.target === this.#self && (direct || relayedOnce))) {
      throw new SoftPartitionError('BAD_RELAY', `data from ${relayed.origin} for ${relayed.target} through ${relayed.relay || 'nobody'} arrived from ${from}`)
    }
    return { kind: 'relayed', relayed, forward }
  }

  #onRelayed(from: PeerRef, relayed: RelayedPayload, forward: boolean, bytes: Uint8Array): Effects {
    if (!forward) return [{ type: 'emit', event: { type: 'message', from: relayed.origin, via: relayed.relay || undefined, data: relayed.data } }]
    const count = this.#relayedFor.get(from) ?? 0
    if (count >= this.#maxRelayedPerPeriod) {
      return [{ type: 'penalise', peer: from, error: new SoftPartitionError('RELAY_FLOOD', `${from} asked for more than ${this.#maxRelayedPerPeriod} relays this period`) }]
    }
    this.#relayedFor.set(from, count + 1)
    // A target held down is not worth the bytes; that is no fault of the origin, who may not know yet.
    if (this.#members.get(relayed.target)?.state === 'down') return []
    // The origin's envelope, unchanged: the target checks the origin's own signature.
    return [
      { type: 'send', to: relayed.target, bytes },
      { type: 'emit', event: { type: 'relayed', from, to: relayed.target } }
    ]
  }

  #send(to: PeerRef, type: number, seq: number, target: PeerRef, now: number, effects: Effects): void {
    // Every ping says who this node is (the join handshake, and news of a restart to a peer that thinks it down); receivers skip it unread when stale.
    const introduce = type === MESSAGE_TYPES.ping || !this.#members.has(to)
    // Lifeguard's buddy system: a suspected member hears of its suspicion from whoever probes it, so it can refute in time.
    const suspected = this.#suspicionOf(to)
    const reserved = (introduce ? 1 : 0) + (suspected === undefined ? 0 : 1)
    const updates = this.#gossip.take(MAX_UPDATES_PER_MESSAGE - reserved, this.#members.size + 1).filter((u) => u !== suspected)
    if (introduce && !updates.includes(this.#ownAlive)) updates.push(this.#ownAlive)
    if (suspected !== undefined) updates.push(suspected)
    const spread = updates.length < MAX_UPDATES_PER_MESSAGE ? this.#nextSpread(to, updates, now) : undefined
    if (spread !== undefined) updates.push(spread)
    effects.push({ type: 'send', to, bytes: sealPayload(this.#identity, SwimPayload, { type, seq, target, updates }, now, WIRE_LIMITS) })
  }
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw new SoftPartitionError('INVALID_OPTION', `${option} must be a positive number, got ${value}`)
  }
  return value
}
