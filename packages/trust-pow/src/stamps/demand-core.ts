import { DscsError, PendingRequests, isDscsError, type CoreEffect, type PeerRef, type ProtocolCore } from '@dscs/interface'
import { ReplayGuard, openMessage, sealPayload, type Identity, type VerificationCache } from '@dscs/identity'
import { WireError, decodePayload, type Envelope } from '@dscs/wire'
import { TrustPowError } from '../errors.js'
import {
  DEFAULT_MAX_CLOCK_SKEW,
  DEFAULT_MAX_OUTSTANDING,
  DEFAULT_MAX_SEEN_ENVELOPES,
  DEFAULT_TIMEOUT,
  MAX_ENVELOPE_BYTES,
  QUERY_NONCE_BYTES,
  STAMPS_PROTOCOL_ID
} from './constants.js'
import { DemandPayload, DemandQueryPayload } from './messages.js'
import type { DifficultyPolicy, TopicDemand } from './policy.js'

/** Options of the demand protocol; every one has a default. */
export interface StampDemandOptions {
  /** How long a query waits for its answer, in milliseconds. Default 10 000. */
  readonly timeout?: number
  /** Most queries awaiting an answer at once; one more fails with `TOO_MANY_QUERIES`. Default 64. */
  readonly maxOutstanding?: number
  /** The replay window, in milliseconds: envelopes further from this node's clock are refused. Default 60 000. */
  readonly maxClockSkew?: number
  /** Most envelopes remembered to refuse replays. Default 10 000. */
  readonly maxSeenEnvelopes?: number
}

/** The {@link StampDemandOptions} plus what every driver supplies. */
export interface StampDemandCoreOptions extends StampDemandOptions {
  /** This node's Ed25519 identity, which signs its envelopes. */
  readonly identity: Identity
  /** What this node demands, which it tells peers that ask. */
  readonly policy: DifficultyPolicy
  /** `length` fresh random bytes: `crypto.getRandomValues` for real, a seeded source in simulation. */
  readonly randomBytes: (length: number) => Uint8Array
  /** The node's shared signature verdicts, so no envelope is verified twice on a node. */
  readonly verificationCache?: VerificationCache
}

/** What the core reports to the application. */
export type StampDemandEvent =
  /** `peer` answered query `id`: it demands `topics`. */
  | { readonly type: 'demand'; readonly id: string; readonly peer: PeerRef; readonly topics: readonly TopicDemand[] }
  /** `peer` did not answer query `id` within the timeout. */
  | { readonly type: 'timeout'; readonly id: string; readonly peer: PeerRef }

/** A query started by {@link StampDemandCore.query}. */
export interface StampDemandQuery {
  /** Names the query in the events about it: its nonce, in hex. */
  readonly id: string
  /** For the driver to carry out: the `send` of the query. */
  readonly effects: CoreEffect<StampDemandEvent>[]
}

type ReceivedMessage = { readonly type: 'query'; readonly nonce: Uint8Array } | { readonly type: 'demand'; readonly id: string; readonly topics: readonly TopicDemand[] }

/** Stops the opening of an answer no query awaits (it may just be late): dropped without a penalty, before its signature. */
class UnawaitedAnswer extends DscsError {
  constructor() {
    super('UNAWAITED_ANSWER', 'no query to the sender awaits this answer')
  }
}

const WIRE_LIMITS = { maxEnvelopeBytes: MAX_ENVELOPE_BYTES }

/**
 * The stamp demand protocol as a sans-I/O `ProtocolCore`: a node asks a peer
 * which stamps it demands ({@link query}); the peer answers from its
 * {@link DifficultyPolicy}, with the bits it asks right now of trusted and of
 * other senders on each stamped topic. Received bytes are opened by
 * `openEnvelope`, cheapest check first (size, replay window, kind and payload,
 * signature); bad input becomes a `penalise` effect, never a throw.
 */
export class StampDemandCore implements ProtocolCore<StampDemandEvent> {
  readonly #identity: Identity
  readonly #policy: DifficultyPolicy
  readonly #randomBytes: (length: number) => Uint8Array
  readonly #replay: ReplayGuard
  readonly #verificationCache: VerificationCache | undefined
  readonly #outstanding: PendingRequests

  constructor(options: StampDemandCoreOptions) {
    this.#identity = options.identity
    this.#policy = options.policy
    this.#randomBytes = options.randomBytes
    this.#outstanding = new PendingRequests(positive(options.maxOutstanding, DEFAULT_MAX_OUTSTANDING, 'maxOutstanding'), positive(options.timeout, DEFAULT_TIMEOUT, 'timeout'))
    this.#replay = new ReplayGuard({
      windowMs: positive(options.maxClockSkew, DEFAULT_MAX_CLOCK_SKEW, 'maxClockSkew'),
      maxEntries: positive(options.maxSeenEnvelopes, DEFAULT_MAX_SEEN_ENVELOPES, 'maxSeenEnvelopes')
    })
    this.#verificationCache = options.verificationCache
  }

  /** Asks `peer` what it demands; a `demand` or `timeout` event with the returned id follows. */
  query(peer: PeerRef, now: number): StampDemandQuery {
    if (this.#outstanding.full) {
      throw new TrustPowError('TOO_MANY_QUERIES', `${this.#outstanding.size} queries already await an answer, the most allowed`)
    }
    const nonce = this.#randomBytes(QUERY_NONCE_BYTES)
    const id = toHex(nonce)
    const bytes = sealPayload(this.#identity, DemandQueryPayload, { nonce }, now, WIRE_LIMITS)
    this.#outstanding.add(id, { peer, sentAt: now })
    return { id, effects: [{ type: 'send', to: peer, bytes }] }
  }

  /** Handles bytes `from` sent on {@link STAMPS_PROTOCOL_ID}: answers a query, settles an answer, reports bad input. */
  receive(from: PeerRef, bytes: Uint8Array, now: number): CoreEffect<StampDemandEvent>[] {
    let message: ReceivedMessage
    try {
      message = openMessage(bytes, { limits: WIRE_LIMITS, replay: this.#replay, cache: this.#verificationCache, now }, (envelope) => this.#read(from, envelope))
    } catch (err) {
      if (err instanceof UnawaitedAnswer) return []
      // Hostile input fails with a typed error; any other exception is a bug and must surface.
      if (!isDscsError(err)) throw err
      return [{ type: 'penalise', peer: from, error: err }]
    }
    if (message.type === 'query') {
      return [{ type: 'send', to: from, bytes: sealPayload(this.#identity, DemandPayload, { nonce: message.nonce, topics: this.#policy.advertise(now) }, now, WIRE_LIMITS) }]
    }
    this.#outstanding.delete(message.id)
    return [{ type: 'emit', event: { type: 'demand', id: message.id, peer: from, topics: message.topics } }]
  }

  /** Expires the queries that have waited `timeout` or longer by `now`. */
  tick(now: number): CoreEffect<StampDemandEvent>[] {
    return this.#outstanding.expire(now).map(([id, { peer }]) => ({ type: 'emit', event: { type: 'timeout', id, peer } }))
  }

  /** When the next {@link tick} has work to do, or undefined when no query awaits an answer. */
  nextDeadline(): number | undefined {
    return this.#outstanding.nextDeadline()
  }

  /** Forgets query `id` without an event, e.g. when it could not be sent. */
  cancel(id: string): void {
    this.#outstanding.delete(id)
  }

  // The checks cheaper than a signature: the kind, the payload, and whether an answer is awaited.
  #read(from: PeerRef, envelope: Envelope): ReceivedMessage {
    switch (envelope.kind) {
      case DemandQueryPayload.name:
        return { type: 'query', nonce: decodePayload(envelope, DemandQueryPayload).nonce }
      case DemandPayload.name: {
        const demand = decodePayload(envelope, DemandPayload)
        const id = toHex(demand.nonce)
        if (this.#outstanding.awaited(id, from) === undefined) throw new UnawaitedAnswer()
        return { type: 'demand', id, topics: demand.topics }
      }
      default:
        throw new WireError('UNKNOWN_KIND', `${STAMPS_PROTOCOL_ID} carries no payload kind ${JSON.stringify(envelope.kind)}`)
    }
  }
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw new TrustPowError('INVALID_OPTION', `${option} must be a positive number of milliseconds or items, got ${value}`)
  }
  return value
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
