import type { PeerRef } from '@dscs/interface'
import { contentKey, type ContentId } from '../content-id.js'

/** A peer to dial and where. */
export interface Dial {
  readonly peer: PeerRef
  readonly addresses: readonly string[]
}

/** A provider taken for a download: where it listens, and how often it was dialled again after losing it. */
interface Heard {
  readonly dial: Dial
  redials: number
}

/** The providers heard of for one download. */
interface Wanted {
  /** Every provider taken for it, connected, queued or dialled: at most `perContent`, none taken twice. */
  readonly heard: Map<PeerRef, Heard>
  readonly queue: Dial[]
}

/** The wait before a lost provider is dialled again: doubling from the first to the longest. */
export const REDIAL_DELAY_MS = 1_000
export const MAX_REDIAL_DELAY_MS = 30_000

/** What became of an offer: whether the provider is new to the download, and the dials to start now. */
export interface Offered {
  readonly fresh: boolean
  readonly dials: Dial[]
}

/**
 * Which providers to dial, sans I/O, within two bounds: dials in flight over
 * all downloads, and providers taken per download (those not connected are
 * queued for their turn). Only downloads under way take offers; a provider
 * connected already counts but needs no dial.
 */
export class Dialer {
  readonly #inFlight = new Set<PeerRef>()
  readonly #wanted = new Map<string, Wanted>()
  // Redials waiting for their time, in the order they fall due.
  #later: { readonly at: number; readonly key: string; readonly dial: Dial }[] = []
  readonly #maxInFlight: number
  readonly #perContent: number

  constructor(maxInFlight: number, perContent: number) {
    this.#maxInFlight = maxInFlight
    this.#perContent = perContent
  }

  /** Providers of `cid` are wanted from now on. */
  want(cid: ContentId): void {
    const key = contentKey(cid)
    if (!this.#wanted.has(key)) this.#wanted.set(key, { heard: new Map(), queue: [] })
  }

  /** The download of `cid` ended: its queue is dropped. */
  drop(cid: ContentId): void {
    const key = contentKey(cid)
    this.#wanted.delete(key)
    this.#later = this.#later.filter((redial) => redial.key !== key)
  }

  wants(cid: ContentId): boolean {
    return this.#wanted.has(contentKey(cid))
  }

  /** `dial.peer` provides `cid`: taken unless unwanted, heard of already or over the bound, and queued unless connected. */
  offer(cid: ContentId, dial: Dial, connected: ReadonlySet<PeerRef>): Offered {
    const wanted = this.#wanted.get(contentKey(cid))
    if (wanted === undefined || wanted.heard.has(dial.peer) || wanted.heard.size >= this.#perContent) return { fresh: false, dials: [] }
    wanted.heard.set(dial.peer, { dial, redials: 0 })
    if (!connected.has(dial.peer)) wanted.queue.push(dial)
    return { fresh: true, dials: this.#next(connected) }
  }

  /** A dial ended; one that left the peer unconnected (refused, timed out) is tried again later. Returns the dials to start now. */
  settled(peer: PeerRef, connected: ReadonlySet<PeerRef>, now: number): Dial[] {
    this.#inFlight.delete(peer)
    if (!connected.has(peer)) this.lost(peer, now)
    return this.#next(connected)
  }

  /**
   * The connection to `peer` closed: for every download under way that took it as a provider, it is dialled again
   * after a wait that doubles each time up to {@link MAX_REDIAL_DELAY_MS}, for as long as the download runs (a
   * holder that went away for good costs a refused dial now and then; one whose connection dropped, a starved
   * keep-alive say, or whose host refused the dial for a while, comes back). One redial per provider waits at a time.
   */
  lost(peer: PeerRef, now: number): void {
    for (const [key, wanted] of this.#wanted) {
      const heard = wanted.heard.get(peer)
      if (heard === undefined || heard.dial.addresses.length === 0 || this.#later.some((redial) => redial.key === key && redial.dial.peer === peer)) continue
      const at = now + Math.min(MAX_REDIAL_DELAY_MS, REDIAL_DELAY_MS * 2 ** heard.redials)
      heard.redials += 1
      this.#later.push({ at, key, dial: heard.dial })
      this.#later.sort((a, b) => a.at - b.at)
    }
  }

  /** When the next redial falls due, if any waits. */
  nextDeadline(): number | undefined {
    return this.#later[0]?.at
  }

  /** Queues the redials due by `now`; returns the dials to start now. */
  due(now: number, connected: ReadonlySet<PeerRef>): Dial[] {
    while (this.#later.length > 0 && this.#later[0]!.at <= now) {
      const { key, dial } = this.#later.shift()!
      this.#wanted.get(key)?.queue.push(dial)
    }
    return this.#next(connected)
  }

  /** Dials from the queues, first download first, while the in-flight bound allows. */
  #next(connected: ReadonlySet<PeerRef>): Dial[] {
    const started: Dial[] = []
    for (const wanted of this.#wanted.values()) {
      while (this.#inFlight.size < this.#maxInFlight && wanted.queue.length > 0) {
        const dial = wanted.queue.shift()!
        // Connected meanwhile, or being dialled for another download: the transfer protocol takes it from there.
        if (connected.has(dial.peer) || this.#inFlight.has(dial.peer)) continue
        this.#inFlight.add(dial.peer)
        started.push(dial)
      }
    }
    return started
  }
}
