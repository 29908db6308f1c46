import { DscsError, isDscsError, type CoreEffect, type PeerRef, type ProtocolCore } from '@dscs/interface'
import { ReplayGuard, openEnvelope, signEnvelope, type Identity, type VerificationCache } from '@dscs/identity'
import { WireError, createEnvelope, decodePayload, encodeEnvelope, encodePayload, type Envelope, type PayloadKind } from '@dscs/wire'
import type { SoftPartitionInit } from '../index.js'
import {
  DEFAULT_MAX_CLOCK_SKEW,
  DEFAULT_MAX_OUTSTANDING,
  DEFAULT_MAX_SEEN_ENVELOPES,
  DEFAULT_TIMEOUT,
  MAX_ENVELOPE_BYTES,
  NONCE_BYTES,
  PROTOCOL_ID
} from './constants.js'
import { SoftPartitionError } from './errors.js'
import { PingPayload, PongPayload } from './messages.js'

/**
 * The {@link SoftPartitionInit} options plus what every driver supplies: the
 * identity, randomness as an input, and the node's verification cache.
 */
export interface SoftPartitionCoreOptions extends SoftPartitionInit {
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
}

/** What the core reports to the application. */
export type SoftPartitionEvent =
  /** `peer` answered ping `id` `rtt` milliseconds after it was sent. */
  | { readonly type: 'pong'; readonly id: string; readonly peer: PeerRef; readonly rtt: number }
  /** `peer` did not answer ping `id` within the timeout. */
  | { readonly type: 'timeout'; readonly id: string; readonly peer: PeerRef }

/** A ping started by {@link SoftPartitionCore.ping}, awaiting its pong. */
export interface SoftPartitionPing {
  /** Names the ping in the events about it: its nonce, in hex. */
  readonly id: string
  /** For the driver to carry out: the `send` of the Ping. */
  readonly effects: CoreEffect<SoftPartitionEvent>[]
}

interface OutstandingPing {
  readonly peer: PeerRef
  readonly sentAt: number
}

/** A message whose kind and payload passed the checks that come before its signature. */
type ReceivedMessage =
  | { readonly type: 'ping'; readonly nonce: Uint8Array }
  | { readonly type: 'pong'; readonly id: string; readonly sentAt: number }

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
export class SoftPartitionCore implements ProtocolCore<SoftPartitionEvent> {
  readonly #identity: Identity
  readonly #randomBytes: (length: number) => Uint8Array
  readonly #timeout: number
  readonly #maxOutstanding: number
  readonly #replay: ReplayGuard
  readonly #verificationCache: VerificationCache | undefined
  // Keyed by ping id; bounded by maxOutstanding, and only this node's own calls add to it.
  readonly #outstanding = new Map<string, OutstandingPing>()

  constructor(options: SoftPartitionCoreOptions) {
    this.#identity = options.identity
    this.#randomBytes = options.randomBytes
    this.#timeout = positive(options.timeout, DEFAULT_TIMEOUT, 'timeout')
    this.#maxOutstanding = positive(options.maxOutstanding, DEFAULT_MAX_OUTSTANDING, 'maxOutstanding')
    this.#replay = new ReplayGuard({
      windowMs: positive(options.maxClockSkew, DEFAULT_MAX_CLOCK_SKEW, 'maxClockSkew'),
      maxEntries: positive(options.maxSeenEnvelopes, DEFAULT_MAX_SEEN_ENVELOPES, 'maxSeenEnvelopes')
    })
    this.#verificationCache = options.verificationCache
  }

  /** Starts a ping of `peer`; a `pong` or `timeout` event with the returned id follows. */
  ping(peer: PeerRef, now: number): SoftPartitionPing {
    if (this.#outstanding.size >= this.#maxOutstanding) {
      throw new SoftPartitionError('TOO_MANY_PINGS', `${this.#outstanding.size} pings already await an answer, the most allowed`)
    }
    const nonce = this.#randomBytes(NONCE_BYTES)
    const id = toHex(nonce)
    const bytes = this.#seal(PingPayload, { nonce }, now)
    this.#outstanding.set(id, { peer, sentAt: now })
    return { id, effects: [{ type: 'send', to: peer, bytes }] }
  }

  /**
   * Handles bytes `from` sent on {@link PROTOCOL_ID}, the core's one protocol
   * (so it needs no `protocol` argument): answers a Ping, settles a Pong,
   * reports bad input.
   */
  receive(from: PeerRef, bytes: Uint8Array, now: number): CoreEffect<SoftPartitionEvent>[] {
    const checked: { message?: ReceivedMessage } = {}
    try {
      openEnvelope(bytes, {
        limits: WIRE_LIMITS,
        replay: this.#replay,
        cache: this.#verificationCache,
        now,
        beforeSignature: (envelope) => {
          checked.message = this.#read(from, envelope)
        }
      })
    } catch (err) {
      if (err instanceof UnawaitedPong) return []
      // Hostile input fails with a typed error; any other exception is a bug and must surface.
      if (!isDscsError(err)) throw err
      return [{ type: 'penalise', peer: from, error: err }]
    }
    // Set by beforeSignature, which openEnvelope calls for every envelope before accepting it.
    const message = checked.message!
    if (message.type === 'ping') return [{ type: 'send', to: from, bytes: this.#seal(PongPayload, { nonce: message.nonce }, now) }]
    this.#outstanding.delete(message.id)
    return [{ type: 'emit', event: { type: 'pong', id: message.id, peer: from, rtt: now - message.sentAt } }]
  }

  /** Expires the pings that have waited `timeout` or longer by `now`. */
  tick(now: number): CoreEffect<SoftPartitionEvent>[] {
    const effects: CoreEffect<SoftPartitionEvent>[] = []
    for (const [id, waiting] of this.#outstanding) {
      if (now - waiting.sentAt < this.#timeout) continue
      this.#outstanding.delete(id)
      effects.push({ type: 'emit', event: { type: 'timeout', id, peer: waiting.peer } })
    }
    return effects
  }

  /** When the next {@link tick} has work to do, or undefined when no ping awaits an answer. */
  nextDeadline(): number | undefined {
    let deadline: number | undefined
    for (const waiting of this.#outstanding.values()) {
      const expiry = waiting.sentAt + this.#timeout
      if (deadline === undefined || expiry < deadline) deadline = expiry
    }
    return deadline
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
        const id = toHex(decodePayload(envelope, PongPayload).nonce)
        const waiting = this.#outstanding.get(id)
        // A pong after its timeout, or for a ping never sent to `from`: lateness is no offence.
        if (waiting === undefined || waiting.peer !== from) throw new UnawaitedPong()
        return { type: 'pong', id, sentAt: waiting.sentAt }
      }
      default:
        throw new WireError('UNKNOWN_KIND', `${PROTOCOL_ID} carries no payload kind ${JSON.stringify(envelope.kind)}`)
    }
  }

  #seal<T>(kind: PayloadKind<T>, value: T, now: number): Uint8Array {
    const unsigned = createEnvelope({
      kind: kind.name,
      payload: encodePayload(kind, value),
      author: this.#identity.publicKey,
      // Envelope timestamps are whole milliseconds; a simulator's time may be fractional.
      timestamp: Math.floor(now)
    })
    return encodeEnvelope(signEnvelope(this.#identity, unsigned), WIRE_LIMITS)
  }
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) {
    throw new SoftPartitionError('INVALID_OPTION', `${option} must be a positive number of milliseconds or items, got ${value}`)
  }
  return value
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}
