import { DscsError, PendingRequests, isDscsError, type CoreEffect, type PeerRef, type ProtocolCore, type TopicReceipt } from '@dscs/interface'
import { ReplayGuard, openMessage, sealPayload, type Identity, type VerificationCache } from '@dscs/identity'
import { WireError, decodePayload, type Envelope, type PayloadKind } from '@dscs/wire'
import type { RoutingOptimizerInit } from '../index.js'
import {
  DEFAULT_ADVERTISE_INTERVAL,
  DEFAULT_MAX_CLOCK_SKEW,
  DEFAULT_PROBE_INTERVAL,
  DEFAULT_STALE_AFTER,
  CAPACITY_TOPIC,
  DEFAULT_MAX_OUTSTANDING,
  DEFAULT_MAX_PEERS,
  DEFAULT_MAX_SEEN_ENVELOPES,
  DEFAULT_TIMEOUT,
  MAX_ENVELOPE_BYTES,
  NONCE_BYTES,
  PROTOCOL_ID
} from './constants.js'
import { RoutingOptimizerError } from './errors.js'
import { EchoTimestamps } from './echo-timestamps.js'
import { Prober } from './prober.js'
import { CapacityRecordPayload, PingPayload, PongPayload, type CapacityRecordValue } from './messages.js'
import { RoutingTable } from './routing-table.js'
import type { Coordinate } from './vivaldi.js'

/**
 * The {@link RoutingOptimizerInit} options plus what every driver supplies: the
 * identity, randomness as an input, and the node's verification cache.
 */
export interface RoutingOptimizerCoreOptions extends RoutingOptimizerInit {
  /** This node's Ed25519 identity, which signs its envelopes. */
  readonly identity: Identity
  /** `length` fresh random bytes: `crypto.getRandomValues` for real, a seeded source in simulation. */
  readonly randomBytes: (length: number) => Uint8Array
  /**
   * The node's shared signature verdicts (`ProtocolContext.verificationCache`
   * of `@dscs/net`), so an envelope is never verified twice on a node, whichever
   * protocol or topic brings it. Without it, every signature is checked.
   */
  readonly verificationCache?: VerificationCache
  /**
   * The peer an Ed25519 key belongs to, for capacity records relayed by
   * gossip (their relayer is not their author). On libp2p a peer id is its
   * key; in simulation, a lookup. Without it, records are refused as `UNKNOWN_AUTHOR`.
   */
  readonly peerOfKey?: (publicKey: Uint8Array) => PeerRef | undefined
  /** This node's own peer id, so its own record coming back by gossip is not kept as a peer's. */
  readonly self?: PeerRef
  /** A uniform draw in [0, 1); default: from `randomBytes`. */
  readonly random?: () => number
}

/** What a node claims in its capacity record. */
export interface CapacityClaim {
  /** Upload throughput the node measured for itself, bytes per second. */
  readonly uploadBytesPerSecond: number
  /** Whether it relays for others. */
  readonly relay: boolean
}

/** What the core reports to the application. */
export type RoutingOptimizerEvent =
  /** `peer` answered ping `id` `rtt` milliseconds after it was sent. */
  | { readonly type: 'pong'; readonly id: string; readonly peer: PeerRef; readonly rtt: number }
  /** `peer` did not answer ping `id` within the timeout. */
  | { readonly type: 'timeout'; readonly id: string; readonly peer: PeerRef }
  /** `peer`'s signed capacity record arrived and was kept. */
  | { readonly type: 'capacity'; readonly peer: PeerRef; readonly record: CapacityRecordValue }

/** A ping started by {@link RoutingOptimizerCore.ping}, awaiting its pong. */
export interface RoutingOptimizerPing {
  /** Names the ping in the events about it: its nonce, in hex. */
  readonly id: string
  /** For the driver to carry out: the `send` of the Ping. */
  readonly effects: CoreEffect<RoutingOptimizerEvent>[]
}

/** A message whose kind and payload passed the checks that come before its signature. */
type ReceivedMessage =
  | { readonly type: 'ping'; readonly nonce: Uint8Array }
  | { readonly type: 'pong'; readonly id: string; readonly sentAt: number; readonly coordinate: Coordinate | undefined }

/**
 * Stops the opening of a pong that no ping awaits: it may just be late, so it
 * is dropped without a penalty, before its signature costs anything and
 * without a place in the replay guard. Never leaves the core.
 */
class UnawaitedPong extends DscsError {
  constructor() {
    super('UNAWAITED_PONG', 'no ping to the sender awaits this pong')
  }
}

const WIRE_LIMITS = { maxEnvelopeBytes: MAX_ENVELOPE_BYTES }

/**
 * The protocol as a sans-I/O state machine, a `ProtocolCore` of
 * `@dscs/interface`. Every input (an API call, bytes received, the passing of
 * time) comes with `now`, in milliseconds, and returns `CoreEffect`s for its
 * driver to carry out: `send` (on {@link PROTOCOL_ID}, the driver's first
 * protocol), `emit` and `penalise`. No timers, no sockets: `CoreDriver` of
 * `@dscs/net` runs the same core under `src/service.ts` on libp2p and on a
 * simulated `Net` in `@dscs/netsim`.
 *
 * A ping sends a signed Ping envelope with a random nonce; the peer answers
 * with a Pong carrying the same nonce, and the round-trip time is measured
 * from the `now` of each step. Received bytes are opened by `openEnvelope`
 * of @dscs/identity, cheapest check first: size, decoding, the replay window
 * of this core's `ReplayGuard`, the kind and payload, then the signature (or
 * the node's cached verdict on it). Bad input becomes a `penalise` effect
 * naming the sender and the typed error; it never throws and never changes
 * the outstanding pings.
 */
export class RoutingOptimizerCore implements ProtocolCore<RoutingOptimizerEvent> {
  readonly #identity: Identity
  readonly #randomBytes: (length: number) => Uint8Array
  readonly #replay: ReplayGuard
  readonly #verificationCache: VerificationCache | undefined
  readonly #outstanding: PendingRequests
  readonly #peerOfKey: ((publicKey: Uint8Array) => PeerRef | undefined) | undefined
  readonly #echo: EchoTimestamps
  readonly #self: PeerRef | undefined
  readonly #prober: Prober
  readonly #advertiseInterval: number
  readonly #capacity: (() => CapacityClaim) | undefined
  readonly #staleAfter: number
  #nextAdvertise: number | undefined
  /** What this node knows of its peers' speed: measurements, coordinates, capacity records and scores. */
  readonly table: RoutingTable

  constructor(options: RoutingOptimizerCoreOptions) {
    this.#identity = options.identity
    this.#randomBytes = options.randomBytes
    const timeout = positive(options.timeout, DEFAULT_TIMEOUT, 'timeout')
    this.#outstanding = new PendingRequests(positive(options.maxOutstanding, DEFAULT_MAX_OUTSTANDING, 'maxOutstanding'), timeout)
    this.#replay = new ReplayGuard({
      windowMs: positive(options.maxClockSkew, DEFAULT_MAX_CLOCK_SKEW, 'maxClockSkew'),
      maxEntries: positive(options.maxSeenEnvelopes, DEFAULT_MAX_SEEN_ENVELOPES, 'maxSeenEnvelopes')
    })
    this.#verificationCache = options.verificationCache
    this.#peerOfKey = options.peerOfKey
    this.#self = options.self
    const maxPeers = positive(options.maxPeers, DEFAULT_MAX_PEERS, 'maxPeers')
    const random = options.random ?? (() => new DataView(this.#randomBytes(4).buffer).getUint32(0) / 2 ** 32)
    this.table = new RoutingTable({ ...options.score, maxPeers, vivaldi: { ...options.vivaldi, random } })
    this.#echo = new EchoTimestamps({ maxPeers, maxRtt: timeout })
    this.#prober = new Prober(positive(options.probeInterval, DEFAULT_PROBE_INTERVAL, 'probeInterval'), maxPeers)
    this.#advertiseInterval = positive(options.advertiseInterval, DEFAULT_ADVERTISE_INTERVAL, 'advertiseInterval')
    this.#capacity = options.capacity
    this.#staleAfter = positive(options.staleAfter, DEFAULT_STALE_AFTER, 'staleAfter')
  }

  /** Starts the periodic work at `now`: a probe every `probeInterval`, and with `capacity`, a record now and every `advertiseInterval`. */
  start(now: number): CoreEffect<RoutingOptimizerEvent>[] {
    this.#prober.start(now)
    if (this.#capacity === undefined) return []
    this.#nextAdvertise = now + this.#advertiseInterval
    return this.advertise(this.#capacity(), now)
  }

  peerConnected(peer: PeerRef): CoreEffect<RoutingOptimizerEvent>[] {
    this.#prober.connected(peer)
    return []
  }

  peerDisconnected(peer: PeerRef): CoreEffect<RoutingOptimizerEvent>[] {
    this.#prober.disconnected(peer)
    return []
  }

  /**
   * Signs this node's capacity record (with its current coordinate) and
   * returns the effect that publishes it on {@link CAPACITY_TOPIC}.
   */
  advertise(capacity: CapacityClaim, now: number): CoreEffect<RoutingOptimizerEvent>[] {
    const record: CapacityRecordValue = { uploadBytesPerSecond: Math.round(capacity.uploadBytesPerSecond), relay: capacity.relay, coordinate: this.table.coordinate }
    return [{ type: 'publish', topic: CAPACITY_TOPIC, bytes: this.#seal(CapacityRecordPayload, record, now) }]
  }

  /**
   * Checks a capacity record relayed by `from`, cheapest first (size, replay
   * window, kind and payload, author, then signature), and keeps it: accepted
   * for relaying, or rejected with `from` penalised.
   */
  receiveTopic(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<RoutingOptimizerEvent> {
    if (topic !== CAPACITY_TOPIC) return { verdict: 'ignore', effects: [] }
    let checked: { author: PeerRef; record: CapacityRecordValue; issuedAt: number }
    try {
      checked = this.#open(bytes, now, (envelope) => {
        if (envelope.kind !== CapacityRecordPayload.name) throw new WireError('UNKNOWN_KIND', `${CAPACITY_TOPIC} carries no payload kind ${JSON.stringify(envelope.kind)}`)
        const record = decodePayload(envelope, CapacityRecordPayload)
        const author = this.#peerOfKey?.(envelope.author)
        if (author === undefined) throw new RoutingOptimizerError('UNKNOWN_AUTHOR', 'no peer is known for the key that signed this record')
        return { author, record, issuedAt: envelope.timestamp }
      })
    } catch (err) {
      if (!isDscsError(err)) throw err
      // An echo of a record already taken is gossip's normal redundancy, not an offence.
      if (isDscsError(err, 'REPLAYED')) return { verdict: 'ignore', effects: [] }
      return { verdict: 'reject', effects: [{ type: 'penalise', peer: from, error: err }] }
    }
    const { author, record } = checked
    const kept = this.table.capacityRecord(author)
    // An older record overtaken on the way says nothing new; the one kept stays.
    if (author === this.#self || (kept !== undefined && kept.issuedAt > checked.issuedAt)) return { verdict: 'accept', effects: [] }
    this.table.advertised(author, record, checked.issuedAt, now)
    return { verdict: 'accept', effects: [{ type: 'emit', event: { type: 'capacity', peer: author, record } }] }
  }

  /** The timestamp to piggyback on a request to `peer`; its echo in the answer gives an RTT sample through {@link echoed}. */
  stamp(peer: PeerRef, now: number): number {
    return this.#echo.stamp(peer, now)
  }

  /** An answer from `peer` echoed `timestamp`: if this node stamped it for `peer`, the elapsed time is an RTT sample. */
  echoed(peer: PeerRef, timestamp: number, now: number): void {
    const rtt = this.#echo.echoed(peer, timestamp, now)
    if (rtt !== undefined) this.table.observeRtt(peer, rtt, now)
  }

  /** Starts a ping of `peer`; a `pong` or `timeout` event with the returned id follows. */
  ping(peer: PeerRef, now: number): RoutingOptimizerPing {
    if (this.#outstanding.full) {
      throw new RoutingOptimizerError('TOO_MANY_PINGS', `${this.#outstanding.size} pings already await an answer, the most allowed`)
    }
    const nonce = this.#randomBytes(NONCE_BYTES)
    const id = toHex(nonce)
    const bytes = this.#seal(PingPayload, { nonce }, now)
    this.#outstanding.add(id, { peer, sentAt: now })
    return { id, effects: [{ type: 'send', to: peer, bytes }] }
  }

  /**
   * Handles bytes `from` sent on {@link PROTOCOL_ID}, the core's one protocol
   * (so it needs no `protocol` argument): answers a Ping, settles a Pong,
   * reports bad input.
   */
  receive(from: PeerRef, bytes: Uint8Array, now: number): CoreEffect<RoutingOptimizerEvent>[] {
    let message: ReceivedMessage
    try {
      message = this.#open(bytes, now, (envelope) => this.#read(from, envelope))
    } catch (err) {
      if (err instanceof UnawaitedPong) return []
      // Hostile input fails with a typed error; any other exception is a bug and must surface.
      if (!isDscsError(err)) throw err
      return [{ type: 'penalise', peer: from, error: err }]
    }
    if (message.type === 'ping') return [{ type: 'send', to: from, bytes: this.#seal(PongPayload, { nonce: message.nonce, coordinate: this.table.coordinate }, now) }]
    this.#outstanding.delete(message.id)
    const rtt = now - message.sentAt
    this.table.observeRtt(from, rtt, now, message.coordinate)
    this.table.observeOutcome(from, true, now)
    return [{ type: 'emit', event: { type: 'pong', id: message.id, peer: from, rtt } }]
  }

  /**
   * Expires the pings that have waited `timeout` or longer by `now`, probes the next peer, re-advertises when due,
   * and forgets peers not heard of for more than `staleAfter` (ticks come at least every probe interval while connected).
   */
  tick(now: number): CoreEffect<RoutingOptimizerEvent>[] {
    const effects: CoreEffect<RoutingOptimizerEvent>[] = []
    this.table.prune(now - this.#staleAfter)
    const probe = this.#outstanding.full ? undefined : this.#prober.due(now)
    if (probe !== undefined) effects.push(...this.ping(probe, now).effects)
    if (this.#capacity !== undefined && this.#nextAdvertise !== undefined && now >= this.#nextAdvertise) {
      this.#nextAdvertise = now + this.#advertiseInterval
      effects.push(...this.advertise(this.#capacity(), now))
    }
    for (const [id, { peer }] of this.#outstanding.expire(now)) {
      this.table.observeOutcome(peer, false, now)
      effects.push({ type: 'emit', event: { type: 'timeout', id, peer } })
    }
    return effects
  }

  /** When the next {@link tick} has work to do: a ping's timeout, the next probe or advertisement; undefined when nothing waits. */
  nextDeadline(): number | undefined {
    return earliest(this.#prober.nextAt, this.#capacity === undefined ? undefined : this.#nextAdvertise, this.#outstanding.nextDeadline())
  }

  /** Forgets ping `id` without an event, e.g. when its message could not be sent or its caller went away. */
  cancel(id: string): void {
    this.#outstanding.delete(id)
  }

  // The checks cheaper than a signature: the kind, the payload through its registered kind, and whether a pong is awaited.
  #read(from: PeerRef, envelope: Envelope): ReceivedMessage {
    switch (envelope.kind) {
      case PingPayload.name:
        return { type: 'ping', nonce: decodePayload(envelope, PingPayload).nonce }
      case PongPayload.name: {
        const pong = decodePayload(envelope, PongPayload)
        const id = toHex(pong.nonce)
        const waiting = this.#outstanding.awaited(id, from)
        // A pong after its timeout, or for a ping never sent to `from`: lateness is no offence.
        if (waiting === undefined) throw new UnawaitedPong()
        return { type: 'pong', id, sentAt: waiting.sentAt, coordinate: pong.coordinate }
      }
      default:
        throw new WireError('UNKNOWN_KIND', `${PROTOCOL_ID} carries no payload kind ${JSON.stringify(envelope.kind)}`)
    }
  }

  // Size, decoding, replay window, then `read`'s checks, then the signature (or the node's cached verdict).
  #open<T>(bytes: Uint8Array, now: number, read: (envelope: Envelope) => T): T {
    return openMessage(bytes, { limits: WIRE_LIMITS, replay: this.#replay, cache: this.#verificationCache, now }, read)
  }

  #seal<T>(kind: PayloadKind<T>, value: T, now: number): Uint8Array {
    return sealPayload(this.#identity, kind, value, now, WIRE_LIMITS)
  }

}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw new RoutingOptimizerError('INVALID_OPTION', `${option} must be a positive number of milliseconds or items, got ${value}`)
  }
  return value
}

function earliest(...times: (number | undefined)[]): number | undefined {
  const known = times.filter((time) => time !== undefined)
  return known.length === 0 ? undefined : Math.min(...known)
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
