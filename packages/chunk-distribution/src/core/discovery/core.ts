import { LruCache } from '@dscs/identity'
import { isDscsError, type CoreEffect, type PeerRef, type ProtocolCore, type TopicReceipt } from '@dscs/interface'
import { createAnnouncement, openAnnouncement, type ReceivedAnnouncement } from '../announcement.js'
import { ANNOUNCE_TOPIC, MAX_ADDRESS_LENGTH, MAX_ANNOUNCED_ADDRESSES } from '../constants.js'
import type { ContentId } from '../content-id.js'
import { ByteBudget } from '../transfer/byte-budget.js'
import { Announcer } from './announcer.js'
import { Dialer, type Dial } from './dialer.js'
import { messageRate, resolveDiscoveryOptions, type DiscoveryOptions, type ResolvedDiscoveryOptions } from './options.js'

/** What the discovery core asks of its service, or tells it. */
export type DiscoveryEvent =
  /** A provider of a download heard of, on the topic or in the DHT (connected already or not). */
  | { readonly type: 'provider'; readonly cid: ContentId; readonly peer: PeerRef; readonly via: ProviderSource }
  /** Connect to a provider of a download; then call `dialed`, whatever the outcome. */
  | { readonly type: 'dial'; readonly peer: PeerRef; readonly addresses: readonly string[] }
  /** An announcement was refused (its relay is penalised too). */
  | { readonly type: 'refused'; readonly from: PeerRef; readonly code: string; readonly message: string }

/** Where a provider was heard of: an announcement on the topic, or a DHT provider record. */
export type ProviderSource = 'topic' | 'dht'

type Effects = CoreEffect<DiscoveryEvent>[]

/** Authors whose announcement rate is tracked; the least recent are forgotten beyond it. */
const MAX_TRACKED_AUTHORS = 4_096

/**
 * Provider discovery for chunk distribution as a sans-I/O core. This node
 * announces on {@link ANNOUNCE_TOPIC} what it holds of the content it
 * downloads or seeds (paced by an {@link Announcer}); a download's
 * announcements say it seeks holders, and holders not connected to the
 * seeker answer with their own. Announcements from holders of a download
 * under way, and providers found elsewhere (the DHT, through {@link found}),
 * become dials within the {@link Dialer}'s bounds; once connected, the
 * transfer protocol exchanges manifests and bitfields as with any peer.
 */
export class DiscoveryCore implements ProtocolCore<DiscoveryEvent> {
  readonly #options: ResolvedDiscoveryOptions
  readonly #announcer: Announcer
  readonly #dialer: Dialer
  readonly #connected = new Set<PeerRef>()
  readonly #authors = new LruCache<PeerRef, ByteBudget>(MAX_TRACKED_AUTHORS)

  constructor(options: DiscoveryOptions, now: number) {
    this.#options = resolveDiscoveryOptions(options)
    const o = this.#options
    this.#announcer = new Announcer({ interval: o.announceInterval, seekInterval: o.seekInterval, rate: messageRate(o.announcementsPerSecond) }, now)
    this.#dialer = new Dialer(o.maxDialsInFlight, o.maxDialsPerContent)
  }

  /** This node downloads `cid` and holds `held` of its `chunks` (0 while the manifest is unknown): it seeks providers. */
  download(cid: ContentId, held: number, chunks: number, now: number): Effects {
    if (chunks > 0 && held === chunks) return this.seed(cid, chunks, now)
    this.#dialer.want(cid)
    this.#announcer.set(cid, held, chunks, true, now)
    return this.#announcements(now)
  }

  /** A download holds more: announced, coalesced; complete, it stops seeking and is announced at once. */
  progress(cid: ContentId, held: number, chunks: number, now: number): Effects {
    const complete = held === chunks
    if (complete) this.#dialer.drop(cid)
    this.#announcer.set(cid, held, chunks, !complete, now)
    return this.#announcements(now)
  }

  /** This node holds all `chunks` of `cid` and serves them. */
  seed(cid: ContentId, chunks: number, now: number): Effects {
    return this.progress(cid, chunks, chunks, now)
  }

  /** Stops announcing and seeking `cid`. */
  forget(cid: ContentId): void {
    this.#dialer.drop(cid)
    this.#announcer.forget(cid)
  }

  /** `peer` provides `cid`, found by other means than the topic (a DHT provider record). */
  found(cid: ContentId, peer: PeerRef, addresses: readonly string[]): Effects {
    if (peer === this.#options.self) return []
    return this.#offer(cid, peer, bounded(addresses), 'dht')
  }

  /** A `dial` event's dial ended; the outcome shows as a `connect` peer event (before this), or none: then it is dialled again later. */
  dialed(peer: PeerRef, now: number): Effects {
    return this.#dials(this.#dialer.settled(peer, this.#connected, now))
  }

  /** No direct protocol: the transfer core has it. */
  receive(): Effects {
    return []
  }

  /**
   * An announcement relayed by `from`. A valid one is accepted — relayed on,
   * whether or not this node wants the content, so nodes in between carry
   * announcements for others — and acted upon when it concerns a download
   * (dial the holder) or content held here (answer a seeker). A bad one is
   * rejected, which lowers `from`'s gossipsub score; one beyond its author's
   * rate is dropped without blame, since `from` may only be relaying it.
   */
  receiveTopic(from: PeerRef, topic: string, bytes: Uint8Array, now: number): TopicReceipt<DiscoveryEvent> {
    if (topic !== ANNOUNCE_TOPIC) return { verdict: 'ignore', effects: [] }
    let announcement: ReceivedAnnouncement
    let author: PeerRef
    try {
      announcement = openAnnouncement(bytes, this.#options.verificationCache)
      author = this.#options.peerOf(announcement.author)
    } catch (error) {
      // Hostile input fails with a typed error; anything else is a bug and must surface.
      if (!isDscsError(error)) throw error
      return {
        verdict: 'reject',
        effects: [
          { type: 'emit', event: { type: 'refused', from, code: error.code, message: error.message } },
          { type: 'penalise', peer: from, error }
        ]
      }
    }
    if (author === this.#options.self) return { verdict: 'accept', effects: [] }
    if (!this.#authorBudget(author, now).take(1, now)) return { verdict: 'ignore', effects: [] }
    const { cid, held, seeking } = announcement
    if (seeking && !this.#connected.has(author)) this.#announcer.sought(cid, now)
    const effects = this.#announcements(now)
    // A seeker with nothing yet has nothing to give; a non-seeker holds the whole content.
    if (held > 0 || !seeking) effects.push(...this.#offer(cid, author, announcement.addresses, 'topic'))
    return { verdict: 'accept', effects }
  }

  tick(now: number): Effects {
    return [...this.#announcements(now), ...this.#dials(this.#dialer.due(now, this.#connected))]
  }

  nextDeadline(): number | undefined {
    const announce = this.#options.announce ? this.#announcer.nextDeadline() : undefined
    const redial = this.#dialer.nextDeadline()
    return announce === undefined ? redial : redial === undefined ? announce : Math.min(announce, redial)
  }

  peerConnected(peer: PeerRef): Effects {
    this.#connected.add(peer)
    return []
  }

  /** A provider of a download under way that is lost is dialled again, with growing waits, while the download runs. */
  peerDisconnected(peer: PeerRef, now: number): Effects {
    this.#connected.delete(peer)
    this.#dialer.lost(peer, now)
    return []
  }

  /** The announcements due, signed and published. */
  #announcements(now: number): Effects {
    if (!this.#options.announce) return []
    const due = this.#announcer.take(now)
    if (due.length === 0) return []
    const addresses = bounded(this.#options.addresses())
    return due.map((announcement) => ({
      type: 'publish',
      topic: ANNOUNCE_TOPIC,
      bytes: createAnnouncement(this.#options.identity, { ...announcement, addresses }, now)
    }))
  }

  #offer(cid: ContentId, peer: PeerRef, addresses: readonly string[], via: ProviderSource): Effects {
    const { fresh, dials } = this.#dialer.offer(cid, { peer, addresses }, this.#connected)
    return fresh ? [{ type: 'emit', event: { type: 'provider', cid, peer, via } }, ...this.#dials(dials)] : []
  }

  #dials(dials: readonly Dial[]): Effects {
    return dials.map((dial) => ({ type: 'emit', event: { type: 'dial', peer: dial.peer, addresses: dial.addresses } }))
  }

  #authorBudget(author: PeerRef, now: number): ByteBudget {
    let budget = this.#authors.get(author)
    if (budget === undefined) {
      const [perMs, burst] = messageRate(this.#options.authorAnnouncementsPerSecond)
      budget = new ByteBudget(perMs, burst, now)
      this.#authors.set(author, budget)
    }
    return budget
  }
}

/** The addresses an announcement can carry: the first few short enough. */
function bounded(addresses: readonly string[]): string[] {
  return addresses.filter((address) => address.length <= MAX_ADDRESS_LENGTH).slice(0, MAX_ANNOUNCED_ADDRESSES)
}
