import { isDscsError, type CoreEffect, type DscsError, type PeerRef, type ProtocolCore } from '@dscs/interface'
import { LruCache, openEnvelope, openMessage, openSealed, ReplayGuard, seal, type Identity, type VerificationCache } from '@dscs/identity'
import { decodePayload, encodePayload, WireError } from '@dscs/wire'
import { bytesToHex } from '@noble/hashes/utils.js'
import { DEFAULTS, F2F_PROTOCOL_ID, MAX_ROUTED_BYTES, ROUTE_ID_BYTES } from './constants.js'
import { TrustWotError } from './errors.js'
import { LetterPayloadKind, RoutedPayloadKind, type RoutedPayload } from './messages.js'
import { sealEnvelope } from './signed.js'

/** Who is who: the public key behind a peer, and the peer behind a key. */
export interface PeerDirectory {
  /** The public key (hex) of `peer`, if known. */
  keyOf(peer: PeerRef): string | undefined
  /** The peer whose key is `key` (hex), if known. */
  peerOf(key: string): PeerRef | undefined
}

/** What the router asks of the web of trust. */
export interface FriendGraph {
  /** Whether this node trusts `key` (hex) directly: a friend. */
  isFriend(key: string): boolean
  /**
   * The first hop of a shortest path to `to` (hex) of at most `maxHops` links
   * of mutual direct trust, the first hop among the keys `usable` accepts.
   */
  firstHop(to: string, maxHops: number, usable: (key: string) => boolean): string | undefined
}

export interface FriendRouterOptions {
  readonly identity: Identity
  readonly graph: FriendGraph
  readonly directory: PeerDirectory
  /** `length` fresh random bytes, for message ids. */
  readonly randomBytes: (length: number) => Uint8Array
  readonly verificationCache?: VerificationCache
  /** Most friends a message passes through. Default 4. */
  readonly maxHops?: number
  /** Routed messages remembered, to pass each on once and refuse replays. Default 10 000. */
  readonly maxSeen?: number
  /** The replay window of routed messages, ms. Default 60 000. */
  readonly maxClockSkew?: number
}

/** What the router reports. */
export type FriendEvent =
  /** A letter for this node arrived: `from` (hex) signed `body`. */
  | { readonly type: 'letter'; readonly from: string; readonly body: Uint8Array }
  /** This node passed a message for `to` (hex) on, from peer `from`; `box` is what it carried, sealed to `to`. */
  | { readonly type: 'relayed'; readonly from: PeerRef; readonly to: string; readonly box: Uint8Array }
  /** A message for `to` (hex) went no further: no friend leads there within the hops left. */
  | { readonly type: 'undeliverable'; readonly to: string; readonly reason: string }
  /** Input from `from` was refused with `error`; `penalised` says whether `from` was blamed. */
  | { readonly type: 'refused'; readonly from: PeerRef; readonly error: DscsError; readonly penalised: boolean }

type Effects = CoreEffect<FriendEvent>[]

/**
 * Friend-to-friend routing as a sans-I/O core, on {@link F2F_PROTOCOL_ID}: a
 * node talks only to its friends (the identities it trusts directly, which
 * trust it back, since each side's connection filter admits only friends),
 * and reaches others by passing messages from friend to friend along links of
 * mutual direct trust. The letter travels sealed to the recipient's key
 * (`seal` of `@dscs/identity`) and signed by the sender inside the box, so
 * the friends in between learn whom it is for, and from which friend it came,
 * but neither what it says nor who wrote it.
 */
export class FriendRouter implements ProtocolCore<FriendEvent> {
  readonly #options: FriendRouterOptions
  readonly #self: string
  readonly #maxHops: number
  readonly #replay: ReplayGuard
  readonly #connected = new Set<PeerRef>()
  /** Ids of messages passed on or delivered: one that comes round again goes no further. */
  readonly #seen: LruCache<string, true>

  constructor(options: FriendRouterOptions) {
    this.#options = options
    this.#self = bytesToHex(options.identity.publicKey)
    this.#maxHops = options.maxHops ?? DEFAULTS.maxHops
    const maxSeen = options.maxSeen ?? DEFAULTS.maxSeenRoutes
    this.#replay = new ReplayGuard({ windowMs: options.maxClockSkew ?? DEFAULTS.maxClockSkew, maxEntries: maxSeen })
    this.#seen = new LruCache(maxSeen)
  }

  /** Sends `body` to `to` (a public key) through friends; throws NO_ROUTE when no connected friend leads there. */
  send(to: Uint8Array, body: Uint8Array, now: number): Effects {
    const recipient = bytesToHex(to)
    const letter = sealEnvelope(this.#options.identity, LetterPayloadKind.name, encodePayload(LetterPayloadKind, { to, body }), now, MAX_ROUTED_BYTES)
    const next = this.#nextHop(recipient, this.#maxHops)
    if (next === undefined) throw new TrustWotError('NO_ROUTE', `no connected friend leads to ${recipient.slice(0, 16)}… within ${this.#maxHops} hops`)
    const id = this.#options.randomBytes(ROUTE_ID_BYTES)
    this.#seen.set(bytesToHex(id), true)
    return [this.#forward(next, { to, box: seal(to, letter), hops: 1, id }, now)]
  }

  receive(from: PeerRef, bytes: Uint8Array, now: number): Effects {
    let routed: RoutedPayload
    try {
      routed = this.#open(from, bytes, now)
    } catch (err) {
      if (!isDscsError(err)) throw err
      return [
        { type: 'emit', event: { type: 'refused', from, error: err, penalised: true } },
        { type: 'penalise', peer: from, error: err }
      ]
    }
    const id = bytesToHex(routed.id)
    // Routes are each hop's own choice: a message that comes round again stops here.
    if (this.#seen.get(id) !== undefined) return []
    this.#seen.set(id, true)
    const to = bytesToHex(routed.to)
    if (to === this.#self) return this.#deliver(from, routed.box)
    const next = routed.hops < this.#maxHops ? this.#nextHop(to, this.#maxHops - routed.hops) : undefined
    if (next === undefined) return [{ type: 'emit', event: { type: 'undeliverable', to, reason: `no friend leads there within the ${this.#maxHops - routed.hops} hops left` } }]
    return [this.#forward(next, { ...routed, hops: routed.hops + 1 }, now), { type: 'emit', event: { type: 'relayed', from, to, box: routed.box } }]
  }

  peerConnected(peer: PeerRef): Effects {
    this.#connected.add(peer)
    return []
  }

  peerDisconnected(peer: PeerRef): Effects {
    this.#connected.delete(peer)
    return []
  }

  tick(): Effects {
    return []
  }

  nextDeadline(): number | undefined {
    return undefined
  }

  /** Opens a Routed envelope, cheapest check first: size, replay window and seen-set, kind and payload, the sender a friend signing for itself, then the signature. */
  #open(from: PeerRef, bytes: Uint8Array, now: number): RoutedPayload {
    return openMessage(bytes, { limits: { maxEnvelopeBytes: MAX_ROUTED_BYTES }, replay: this.#replay, cache: this.#options.verificationCache, now }, (envelope) => {
      if (envelope.kind !== RoutedPayloadKind.name) throw new WireError('UNKNOWN_KIND', `${F2F_PROTOCOL_ID} carries no payload kind ${JSON.stringify(envelope.kind)}`)
      const routed = decodePayload(envelope, RoutedPayloadKind)
      const key = this.#options.directory.keyOf(from)
      if (key === undefined || key !== bytesToHex(envelope.author) || !this.#options.graph.isFriend(key)) {
        throw new TrustWotError('NOT_FRIEND', 'a routed message from a peer that is no friend, or signed by another')
      }
      return routed
    })
  }

  /** Opens a box for this node: the sender's signed letter. The relay cannot read it, so a bad one is not its fault. */
  #deliver(from: PeerRef, box: Uint8Array): Effects {
    try {
      const { envelope } = openEnvelope(openSealed(this.#options.identity, box), { limits: { maxEnvelopeBytes: MAX_ROUTED_BYTES }, cache: this.#options.verificationCache })
      const letter = decodePayload(envelope, LetterPayloadKind)
      if (bytesToHex(letter.to) !== this.#self) throw new TrustWotError('BAD_RECORD', 'a letter addressed to another')
      return [{ type: 'emit', event: { type: 'letter', from: bytesToHex(envelope.author), body: letter.body } }]
    } catch (err) {
      if (!isDscsError(err)) throw err
      return [{ type: 'emit', event: { type: 'refused', from, error: err, penalised: false } }]
    }
  }

  /** The connected friend to pass a message for `to` (hex) to, with at most `hopsLeft` links to go. */
  #nextHop(to: string, hopsLeft: number): PeerRef | undefined {
    const usable = (key: string): boolean => {
      const peer = this.#options.directory.peerOf(key)
      return peer !== undefined && this.#connected.has(peer) && this.#options.graph.isFriend(key)
    }
    const first = this.#options.graph.firstHop(to, hopsLeft, usable)
    return first === undefined ? undefined : this.#options.directory.peerOf(first)
  }

  #forward(peer: PeerRef, routed: RoutedPayload, now: number): CoreEffect<FriendEvent> {
    const bytes = sealEnvelope(this.#options.identity, RoutedPayloadKind.name, encodePayload(RoutedPayloadKind, routed), now, MAX_ROUTED_BYTES)
    return { type: 'send', to: peer, bytes }
  }
}
